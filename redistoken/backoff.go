package redistoken

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// The fleet's backoff after partner authentication failed for another
// reason than a rejection (a 5xx, a gateway's page, an answer without a
// usable token, or no answer at all): the next attempt, by whichever
// replica, waits BackoffBase doubled with each failure in a row, at most
// BackoffMax, its upper half jittered.
const (
	BackoffBase = 500 * time.Millisecond
	BackoffMax  = 30 * time.Second
)

// backoffKeep is how long a failure record outlives its wait in Redis,
// so that the next failure continues the count; after it, the count
// starts again.
const backoffKeep = time.Minute

// Errors of an authentication answer that carries no usable token.
var (
	errNoToken  = errors.New("redistoken: partner authentication answered without a token")
	errBadToken = errors.New("redistoken: partner authentication answered with a token that is not a valid header value")
)

// failure is partner authentication failing for another reason than a
// rejection, as recorded in Redis: how many times in a row, and how the
// last attempt ended. The record holds nothing else (no secret, no app
// key, no token).
type failure struct {
	Failures int `json:"failures"`
	// Status is the API's answer to the last attempt; 0 when none came.
	Status int `json:"status,omitempty"`
	// Unknown is an attempt that ended without an answer (a timeout, a
	// connection reset after the request went out): the API may have
	// rejected the secret, and the fleet cannot know.
	Unknown bool `json:"unknown,omitempty"`
	// KeepMs is how long the record outlives the wait: its TTL in Redis
	// is the wait plus this, so that the wait is read from the TTL, on
	// no replica's clock.
	KeepMs int64 `json:"keepMs"`

	wait  time.Duration // the wait it imposes, from when it was made
	until time.Time     // when the fleet may try again, on this process's clock
	err   error         // the attempt's error, in the process that made it
}

// newFailure is the record of err, following prev (nil: none, or one
// whose count has lapsed).
func (s *Source) newFailure(prev *failure, err error) *failure {
	now := time.Now()
	f := &failure{Failures: 1, KeepMs: backoffKeep.Milliseconds(), err: err}
	if prev != nil && now.Sub(prev.until) < backoffKeep {
		f.Failures = prev.Failures + 1
	}
	// What counts as an answer is an allow-list; anything else may have
	// been a rejection the fleet did not see.
	if apiErr, ok := errors.AsType[*api.Error](err); ok {
		f.Status = apiErr.StatusCode
	} else if decErr, ok := errors.AsType[*api.DecodeError](err); ok {
		f.Status = decErr.StatusCode
	} else if errors.Is(err, errNoToken) || errors.Is(err, errBadToken) {
		f.Status = 200
	} else {
		f.Unknown = true
	}
	f.wait = s.backoff(f.Failures)
	f.until = now.Add(f.wait)
	return f
}

// backoff is the wait after failures in a row, jittered in its upper
// half so that replicas do not all come back at once.
func (s *Source) backoff(failures int) time.Duration {
	wait := s.t.backoffBase
	for i := 1; i < failures && wait < s.t.backoffMax; i++ {
		wait *= 2
	}
	wait = min(wait, s.t.backoffMax)
	half := wait / 2
	return half + time.Duration(randomUint64()%uint64(wait-half+1))
}

func (f *failure) record() string {
	b, _ := json.Marshal(f) // plain fields: cannot fail
	return string(b)
}

// ttlMs is the record's TTL in Redis, rounded up to whole milliseconds:
// no replica may try before the one that failed does.
func (f *failure) ttlMs() int64 {
	return (f.wait + time.Duration(f.KeepMs)*time.Millisecond + time.Millisecond - 1).Milliseconds()
}

// parseFailure reads a record whose key has ttl left (Redis's PTTL). What
// no Source wrote (it does not parse, has no TTL) is no record: the next
// failure's record replaces it, a success deletes it.
func (s *Source) parseFailure(rec string, ttl time.Duration) *failure {
	f := &failure{}
	if json.Unmarshal([]byte(rec), f) != nil || f.Failures < 1 || f.KeepMs < 0 || ttl <= 0 {
		return nil
	}
	f.wait = min(max(ttl-time.Duration(f.KeepMs)*time.Millisecond, 0), s.t.backoffMax)
	f.until = time.Now().Add(f.wait)
	return f
}

// pause makes f the backoff this process knows of, and returns the error
// of the Token calls it fails.
func (s *Source) pause(f *failure) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.paused; old != nil && old.err != nil && f.err == nil && old.Failures == f.Failures {
		f.err = old.err // keep the API's answer for this process's errors
	}
	s.paused = f
	return f.waitErr()
}

// waiting is the error of a Token call made while the fleet waits, or
// nil: the fleet may try.
func (s *Source) waiting() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.paused; f != nil && time.Now().Before(f.until) {
		return f.waitErr()
	}
	return nil
}

func (f *failure) waitErr() error {
	return &waitError{failure: f, left: time.Until(f.until)}
}

// waitError is the error of Token while the fleet waits before its next
// partner authentication. It wraps the last attempt's error in the
// process that made it.
type waitError struct {
	*failure
	left time.Duration
}

func (e *waitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "redistoken: partner authentication failed %d time(s) in a row", e.Failures)
	switch {
	case e.Unknown:
		b.WriteString(", the last without an answer (the API may have rejected the secret)")
	case e.Status != 0:
		fmt.Fprintf(&b, ", the last answered with status %d", e.Status)
	}
	fmt.Fprintf(&b, "; no replica tries again for %v", e.left.Round(time.Millisecond))
	if e.err != nil {
		b.WriteString(": " + e.err.Error())
	}
	return b.String()
}

// GoString keeps %#v to the text of Error, whose API part the client
// masked.
func (e *waitError) GoString() string { return fmt.Sprintf("redistoken.waitError(%q)", e.Error()) }

func (e *waitError) Unwrap() error { return e.err }
