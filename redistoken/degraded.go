package redistoken

import (
	"context"
	"errors"
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

func wrapRedis(op string, err error) error {
	if err == nil {
		return nil
	}
	return &redisError{op, err}
}

// failed records that Redis failed at op and returns the error.
func (s *Source) failed(op string, err error) error {
	s.observe(err)
	if _, ok := errors.AsType[*redisError](err); ok {
		return err // named already
	}
	return wrapRedis(op, err)
}

// observe moves the Source between its modes with the outcome of a Redis
// command, logging each change once.
func (s *Source) observe(err error) {
	if err == nil || errors.Is(err, redis.Nil) {
		if s.degraded.CompareAndSwap(true, false) {
			s.log.Info("redistoken: Redis reachable again; the token is shared through it", "key", s.keys.token)
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
