package redistoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/redis/go-redis/v9"
)

// rejection is partner authentication refusing this Source's secret, as
// recorded in Redis: when, with which status and reason code. The record
// holds nothing else (no secret, no app key, no token).
type rejection struct {
	At     time.Time `json:"at"`
	Status int       `json:"status,omitempty"`
	Reason string    `json:"reasonCode,omitempty"`

	apiErr    error     // the API's answer, in the process that got it
	expires   time.Time // when the record leaves Redis, on this process's clock
	salt      string    // the salt of the fingerprint it is recorded under
	published bool      // stored in Redis (false: recorded while Redis was down)
	checked   time.Time // last compared with Redis
}

func newRejection(err error) *rejectedError {
	now := time.Now()
	r := &rejection{At: now.UTC().Truncate(time.Second), apiErr: err, expires: now.Add(RejectionTTL)}
	if apiErr, ok := errors.AsType[*api.Error](err); ok {
		r.Status, r.Reason = apiErr.StatusCode, apiErr.ReasonCode
	}
	return &rejectedError{r}
}

func (r *rejection) record() string {
	b, _ := json.Marshal(r) // three plain fields: cannot fail
	return string(b)
}

// parseRecord reads a record whose key has ttl left (Redis's PTTL); one
// that does not parse still stops the fleet, since only a Source writes
// under that key. Its expiry is taken from the TTL, on this process's
// clock, never from its "at", which another replica's clock wrote: clocks
// that disagree change no lifetime.
func parseRecord(rec string, ttl time.Duration) *rejection {
	now := time.Now()
	r := &rejection{}
	if json.Unmarshal([]byte(rec), r) != nil || r.At.IsZero() {
		r.At = now.UTC().Truncate(time.Second)
	}
	if ttl <= 0 || ttl > RejectionTTL { // no TTL (not a Source's): one lifetime from now
		ttl = RejectionTTL
	}
	r.expires = now.Add(ttl)
	return r
}

func (r *rejection) err() error { return &rejectedError{r} }

// rejectedError is the error of every Token call once the secret was
// rejected. It matches api.ErrCredentialsRejected, and wraps the API's
// *api.Error in the process that received it.
type rejectedError struct{ *rejection }

func (e *rejectedError) Error() string {
	var b strings.Builder
	b.WriteString("redistoken: partner credentials rejected")
	if e.apiErr == nil {
		fmt.Fprintf(&b, " at %s", e.At.Format(time.RFC3339))
		if e.Status != 0 {
			fmt.Fprintf(&b, " (status %d", e.Status)
			if e.Reason != "" {
				b.WriteString(", reason " + e.Reason)
			}
			b.WriteString(")")
		}
		b.WriteString(" by partner authentication, as recorded in Redis")
	}
	fmt.Fprintf(&b, "; no replica with this secret tries it again for %v or until redistoken.ClearRejection, since repeated failures lock the partner account", RejectionTTL)
	if e.apiErr != nil {
		b.WriteString(": " + e.apiErr.Error())
	}
	return b.String()
}

// GoString keeps %#v to the text of Error, whose API part the client
// masked.
func (e *rejectedError) GoString() string {
	return fmt.Sprintf("redistoken.rejectedError(%q)", e.Error())
}

// Is makes errors.Is(err, api.ErrCredentialsRejected) true.
func (e *rejectedError) Is(target error) bool { return target == api.ErrCredentialsRejected }

func (e *rejectedError) Unwrap() error { return e.apiErr }

// remember makes r this process's knowledge of the rejection.
func (s *Source) remember(r *rejection) error {
	s.mu.Lock()
	if old := s.rejected; old != nil && old.apiErr != nil && r.apiErr == nil {
		r.apiErr = old.apiErr // keep the API's answer for this process's errors
	}
	s.rejected = r
	s.mu.Unlock()
	return r.err()
}

// knownRejection is the remembered rejection's error, or nil.
func (s *Source) knownRejection() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejected == nil {
		return nil
	}
	return s.rejected.err()
}

// checkRejection fails at once with a remembered rejection, comparing it
// with Redis at most once per recheck interval:
//   - the record is there: still rejected;
//   - it is gone under the same salt: it expired or an operator cleared
//     it, so this process may try again (through the lock, once for the
//     fleet);
//   - it was never stored (Redis was down), or Redis lost its data (a new
//     salt): it is stored again, so the fleet does not spend another
//     attempt on a secret already refused;
//   - Redis cannot be reached: still rejected.
func (s *Source) checkRejection(ctx context.Context) error {
	s.mu.Lock()
	r := s.rejected
	if r == nil {
		s.mu.Unlock()
		return nil
	}
	if time.Since(r.checked) < s.t.recheck {
		s.mu.Unlock()
		return r.err()
	}
	r.checked = time.Now()
	s.mu.Unlock()

	st, err := s.read(ctx)
	if err != nil {
		return r.err()
	}
	left := time.Until(r.expires)
	s.mu.Lock()
	gone := r.published && st.salt == r.salt // the same Redis no longer has it
	s.mu.Unlock()
	switch {
	case st.rejection != nil:
		return s.remember(st.rejection)
	case gone || left <= 0:
		s.mu.Lock()
		if s.rejected == r {
			s.rejected = nil
		}
		s.mu.Unlock()
		return nil
	}
	s.publish(ctx, r, st.salt)
	return r.err()
}

// publish stores r under salt in Redis, for what remains of its
// RejectionTTL: a rejection learned while Redis was down, or lost with
// Redis's data.
func (s *Source) publish(ctx context.Context, r *rejection, salt string) {
	left := time.Until(r.expires)
	if left <= 0 {
		return
	}
	if err := s.roundTrip(ctx, "store the rejection", func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.keys.rejected+fingerprint(salt, s.secret.Reveal()), r.record(), left).Err()
	}); err != nil {
		s.observe(err)
		return
	}
	s.mu.Lock()
	r.salt, r.published = salt, true
	s.mu.Unlock()
}

// ClearRejection deletes the record that stops every replica holding
// cfg.PartnerSecret (for cfg.AppKey and cfg.PartnerID, under
// cfg.KeyPrefix), for an operator who knows the secret is good again, for
// example once a locked partner account was unlocked. Running Sources
// with that secret notice within seconds and try once, one replica for
// the fleet. It reports whether there was a record. Records also expire
// by themselves after RejectionTTL.
//
// Without the secret, delete the keys matching
// "<KeyPrefix>{*}:rejected:*" (redis-cli --scan --pattern, then DEL):
// that clears the records of every secret.
func ClearRejection(ctx context.Context, rdb redis.UniversalClient, cfg Config) (bool, error) {
	if err := check("ClearRejection", rdb, cfg); err != nil {
		return false, err
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	k := deriveKeys(cfg.KeyPrefix, cfg.AppKey.Reveal(), cfg.PartnerID)
	salt, err := value(rdb.Get(ctx, k.salt))
	if err != nil || salt == "" {
		return false, wrapRedis("ClearRejection: read the salt", err)
	}
	n, err := rdb.Del(ctx, k.rejected+fingerprint(salt, cfg.PartnerSecret.Reveal())).Result()
	return n > 0, wrapRedis("ClearRejection: delete the record", err)
}
