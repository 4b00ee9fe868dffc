package redistoken

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisError is Redis failing to answer (not a missing key): it puts the
// Source in its degraded mode.
type redisError struct {
	op  string
	err error
}

func (e *redisError) Error() string { return "redistoken: Redis: " + e.op + ": " + e.err.Error() }
func (e *redisError) Unwrap() error { return e.err }

// ErrRedisRefused matches (errors.Is) the error of Token when Redis
// refuses the Source's credentials or permissions: a wrong password
// (WRONGPASS), none given (NOAUTH), an ACL user without the right to a
// command or key the Source uses (NOPERM). It is a configuration error,
// not Redis down: Token returns it, and no replica authenticates on its
// own, since every replica of the fleet would.
var ErrRedisRefused = errors.New("redistoken: Redis refused the Source's credentials or permissions")

// refusedError is Redis answering with one of the errors of
// ErrRedisRefused.
type refusedError struct {
	op  string
	err error
}

func (e *refusedError) Error() string {
	return "redistoken: Redis refused the Source's credentials or permissions (" + e.op + ": " + e.err.Error() +
		"): fix the Redis configuration (the password or ACL user given to the Redis client, and that user's rights to the Source's commands and keys); until then no replica authenticates"
}

func (e *refusedError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrRedisRefused) true.
func (e *refusedError) Is(target error) bool { return target == ErrRedisRefused }

// refusedByRedis reports the Redis answers that mean the Source's
// credentials or permissions are wrong: an allow-list of error codes, the
// first word of Redis's own error (not of any error's text).
func refusedByRedis(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return false
	}
	code, _, _ := strings.Cut(rerr.Error(), " ")
	switch code {
	case "WRONGPASS", "NOAUTH", "NOPERM":
		return true
	}
	return false
}

// wrapRedis names op in err: a *refusedError for a refusal, else a
// *redisError.
func wrapRedis(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case refusedByRedis(err):
		return &refusedError{op, err}
	}
	return &redisError{op, err}
}

// failed records that Redis failed at op and returns the error.
func (s *Source) failed(op string, err error) error {
	s.observe(err)
	if _, ok := errors.AsType[*redisError](err); ok {
		return err // named already
	}
	if _, ok := errors.AsType[*refusedError](err); ok {
		return err
	}
	return wrapRedis(op, err)
}

// observe moves the Source between its modes with the outcome of a Redis
// command, logging each change once. A refusal (ErrRedisRefused) is no
// change of mode: Redis answered, and the fleet must not authenticate
// replica by replica because of its configuration.
func (s *Source) observe(err error) {
	if err == nil || errors.Is(err, redis.Nil) {
		s.refused.Store(false)
		if s.degraded.CompareAndSwap(true, false) {
			s.log.Info("redistoken: Redis reachable again; the token is shared through it", "key", s.keys.token)
		}
		return
	}
	if refusedByRedis(err) || errors.Is(err, ErrRedisRefused) {
		if s.refused.CompareAndSwap(false, true) {
			s.log.Error("redistoken: Redis refuses the Source's credentials or permissions; Token fails, and no replica authenticates, until the Redis configuration is fixed",
				"key", s.keys.token, "error", err.Error())
		}
		return
	}
	if s.degraded.CompareAndSwap(false, true) {
		s.log.Warn("redistoken: Redis unreachable; this process authenticates for itself until it answers again",
			"key", s.keys.token, "error", err.Error())
	}
}

// probe checks, at most once per probe interval and in the background,
// whether Redis answers again while the Source is degraded. When it does,
// the token this process got on its own is shared (unless another replica
// stored one first), so is a rejection it learned, and the Source leaves
// the degraded mode.
func (s *Source) probe() {
	now := time.Now().UnixNano()
	if now-s.probed.Load() < int64(s.t.probe) || !s.probing.CompareAndSwap(false, true) {
		return
	}
	s.probed.Store(now)
	go func() {
		defer s.probing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), s.t.redis)
		defer cancel()
		if err := s.rdb.Ping(ctx).Err(); err != nil {
			if refusedByRedis(err) {
				// Back, but refusing the Source: the next refresh goes
				// through Redis and returns the refusal, rather than
				// authenticating for this process.
				s.observe(err)
				s.degraded.Store(false)
			}
			return // still down: the next probe tries again
		}
		s.mu.Lock()
		tok, r := s.local, s.rejected
		unpublished := r != nil && !r.published
		s.mu.Unlock()
		if unpublished {
			salt, err := s.createSalt(ctx)
			if err != nil {
				return
			}
			s.publish(ctx, r, salt)
		}
		c := s.cur.Load()
		if tok != "" && c != nil && c.token == tok {
			if left := time.Until(c.expires); left > time.Millisecond {
				if err := s.rdb.SetNX(ctx, s.keys.token, tok, left).Err(); err != nil {
					s.observe(err)
					return
				}
			}
			s.mu.Lock()
			if s.local == tok {
				s.local = ""
			}
			s.mu.Unlock()
		}
		s.observe(nil)
	}()
}
