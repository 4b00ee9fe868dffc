package httpx

import (
	"context"
	"io"
	"sync"
	"time"
)

// AttemptContext returns a context for one attempt of a request: parent's
// values and cancellation, ending with context.DeadlineExceeded after d.
// It does what context.WithTimeout does, plus one thing: Receive registers
// the body it is reading with it, and the context closes that body when it
// ends, with no watch of its own to set up. An attempt then costs one
// timer rather than a timer and a watch.
//
// Stop it (Attempt.Stop) once the attempt is over, as a CancelFunc.
func AttemptContext(parent context.Context, d time.Duration) *Attempt {
	c := &Attempt{parent: parent, deadline: time.Now().Add(d)}
	if err := parent.Err(); err != nil {
		c.end(err)
		return c
	}
	c.timer = time.AfterFunc(d, c.expire)
	if parent.Done() != nil {
		c.stopParent = context.AfterFunc(parent, c.parentDone)
	}
	return c
}

// Attempt is the context of AttemptContext.
type Attempt = attemptCtx

type attemptCtx struct {
	parent     context.Context
	deadline   time.Time
	timer      *time.Timer
	stopParent func() bool

	mu     sync.Mutex
	done   chan struct{} // made on first use: many attempts never need it
	err    error
	closer io.Closer // the body being read, closed when the context ends
}

func (c *attemptCtx) Deadline() (time.Time, bool) {
	if pd, ok := c.parent.Deadline(); ok && pd.Before(c.deadline) {
		return pd, true
	}
	return c.deadline, true
}

func (c *attemptCtx) Value(key any) any { return c.parent.Value(key) }

func (c *attemptCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		}
	}
	return c.done
}

func (c *attemptCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *attemptCtx) expire()     { c.end(context.DeadlineExceeded) }
func (c *attemptCtx) parentDone() { c.end(context.Cause(c.parent)) }

// Stop ends the attempt's context and releases its timer.
func (c *attemptCtx) Stop() {
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.stopParent != nil {
		c.stopParent()
	}
	c.end(context.Canceled)
}

func (c *attemptCtx) end(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	if c.done != nil {
		close(c.done)
	}
	cl := c.closer
	c.closer = nil
	c.mu.Unlock()
	if cl != nil {
		_ = cl.Close()
	}
}

// watch registers body to be closed when c ends; false if it has ended.
func (c *attemptCtx) watch(body io.Closer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return false
	}
	c.closer = body
	return true
}

// unwatch drops the body; false if c ended (and closed it) meanwhile.
func (c *attemptCtx) unwatch() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closer = nil
	return c.err == nil
}

func (c *attemptCtx) String() string { return "httpx.AttemptContext" }
