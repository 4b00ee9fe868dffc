// Package listen serves HTTP on a socket with the limits a server facing
// unknown clients needs, so that a client holding connections open (a
// body sent byte by byte, headers that never end, idle keep-alive
// connections by the thousand, uploads that stall) cannot keep the server
// busy, exhaust its file descriptors or its memory. The served sandbox
// and the proxy of finicity-connect both use it.
//
//   - Limits.HeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout bound
//     the time a request's headers, a whole request, an answer and an idle
//     connection may take (http.Server's own timeouts).
//   - Listen caps the connections served at once (Limits.MaxConnections):
//     more wait in the listen backlog. At the cap, NewServer's connection
//     guard closes the longest-idle connection once idle for
//     Limits.IdleEvictAfter, so idle connections cannot hold every slot
//     while real requests wait; a request in flight is never closed to
//     make room.
//   - Budget bounds the bytes of bodies held in memory by all requests
//     together: a body that does not fit is refused at once.
//   - ServeUntil serves until a context ends, then shuts down gracefully
//     within a grace.
package listen

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/netutil"
)

// Limits are a server's connection limits. Zero durations mean no limit,
// as in http.Server.
type Limits struct {
	// HeaderTimeout bounds reading a request's line and headers.
	HeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included, from the
	// end of the previous one.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing an answer, from the end of the
	// request's headers.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request.
	IdleTimeout time.Duration
	// MaxConnections caps connections open at once (Listen, Cap); the
	// connection guard of NewServer needs the same number.
	MaxConnections int
	// MaxHeaderBytes caps a request's line and headers (0: net/http's
	// default, 1 MB).
	MaxHeaderBytes int
	// IdleEvictAfter: at MaxConnections, a connection idle this long (no
	// request yet, or between requests) is closed to make room.
	IdleEvictAfter time.Duration
}

// Defaults are the limits finicity-connect's served sandbox and proxy
// start from (each flag of theirs overrides one), so that a client
// holding connections open cannot keep them busy or exhaust their file
// descriptors. MaxHeaderBytes is each server's own.
var Defaults = Limits{
	HeaderTimeout: 10 * time.Second,
	ReadTimeout:   30 * time.Second,
	WriteTimeout:  30 * time.Second,
	IdleTimeout:   60 * time.Second,
	// Well under the usual limit of 1024 file descriptors; more wait in
	// the listen backlog until one closes.
	MaxConnections: 256,
	// A request in flight is never closed for it: only connections with
	// no request yet, or between requests.
	IdleEvictAfter: time.Second,
}

// Listen listens on the TCP address addr, serving at most max
// connections at once (Cap).
func Listen(addr string, max int) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return Cap(ln, max), nil
}

// Cap returns ln accepting at most max connections at once: Accept waits
// while max are open, and connections made meanwhile wait in the backlog
// until one closes.
func Cap(ln net.Listener, max int) net.Listener { return netutil.LimitListener(ln, max) }

// NewServer returns a server of h with the limits l, and a connection
// guard evicting idle connections at l.MaxConnections (see the package
// documentation). Serve it on a listener capped at the same number.
func NewServer(h http.Handler, l Limits) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: l.HeaderTimeout, ReadTimeout: l.ReadTimeout,
		WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout, MaxHeaderBytes: l.MaxHeaderBytes}
	if l.MaxConnections > 0 {
		srv.ConnState = newConnGuard(l.MaxConnections, l.IdleEvictAfter).track
	}
	return srv
}

// ServeUntil serves ln with srv until ctx ends, then shuts srv down
// gracefully: onStop runs first, and the requests in flight get grace to
// finish. Past it, the connections left are closed and cut is true. err
// is a failure of Serve before ctx ended.
func ServeUntil(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, onStop func()) (cut bool, err error) {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return false, err
	case <-ctx.Done():
	}
	if onStop != nil {
		onStop()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if srv.Shutdown(sctx) != nil {
		_ = srv.Close()
		cut = true
	}
	<-served // http.ErrServerClosed, once Shutdown or Close has run
	return cut, nil
}

// connGuard tracks the served connections' states (http.Server's
// ConnState) and, at the cap, closes the longest-idle connection once it
// has been idle idleAfter: the listener's cap then admits the next
// connection waiting in the backlog. Without it, 1,100 connections that
// send nothing held 256 slots in waves of the header timeout, and a real
// request waited 40 s.
type connGuard struct {
	max       int
	idleAfter time.Duration

	mu    sync.Mutex
	open  int
	idle  map[net.Conn]time.Time // StateNew or StateIdle, since
	timer *time.Timer
}

func newConnGuard(max int, idleAfter time.Duration) *connGuard {
	return &connGuard{max: max, idleAfter: idleAfter, idle: map[net.Conn]time.Time{}}
}

// track is the server's ConnState hook.
func (g *connGuard) track(c net.Conn, s http.ConnState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch s {
	case http.StateNew:
		g.open++
		g.idle[c] = time.Now()
	case http.StateIdle:
		g.idle[c] = time.Now()
	case http.StateActive:
		delete(g.idle, c)
	case http.StateHijacked, http.StateClosed:
		g.open--
		delete(g.idle, c)
	}
	g.evictLocked()
}

// evictLocked closes the longest-idle connection when all slots are
// taken, or comes back when it will have been idle long enough.
func (g *connGuard) evictLocked() {
	if g.open < g.max {
		return
	}
	var oldest net.Conn
	var since time.Time
	for c, t := range g.idle {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	if oldest == nil {
		return // every slot serves a request: the cap holds the rest back
	}
	if wait := g.idleAfter - time.Since(since); wait > 0 {
		if g.timer == nil {
			g.timer = time.AfterFunc(wait, func() {
				g.mu.Lock()
				defer g.mu.Unlock()
				g.evictLocked()
			})
		} else {
			g.timer.Reset(wait)
		}
		return
	}
	delete(g.idle, oldest)
	// The server's goroutine for it sees the close, and reports
	// StateClosed; the listener's slot is freed by the close itself.
	_ = oldest.Close()
}
