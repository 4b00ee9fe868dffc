package sandbox

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault is a scripted answer to one call of an operation, replacing or
// delaying the sandbox's own. Inject queues faults; the zero Fault answers
// normally.
type Fault struct {
	// Status, when not zero, is answered instead of the operation's own
	// answer, with the API's error body (reason code: the status).
	Status int
	// RetryAfter, when positive, is sent as a Retry-After header in
	// whole seconds (rounded up), with a Status or a normal answer.
	RetryAfter time.Duration
	// Delay, when positive, is waited before answering (or resetting).
	// The wait is a timer (time.NewTimer), cut short when the request's
	// context ends: under testing/synctest it takes no real time.
	Delay time.Duration
	// Reset drops the connection instead of answering: served, the
	// connection is closed with SO_LINGER 0 so the client reads a reset;
	// in process (Transport), the round trip fails with a *net.OpError
	// wrapping syscall.ECONNRESET.
	Reset bool
}

// scripts holds the answers queued by Inject and QueueReconnections.
type scripts struct {
	mu            sync.Mutex
	faults        map[string][]scripted // operationId -> pending, in order
	reconnections []Reconnection
}

// scripted is a fault with the number of calls it still applies to.
type scripted struct {
	left  int
	fault Fault
}

// Inject makes the next n calls of the operation with id operationID
// answer f, after whatever was injected for it before. Calls are counted
// when they reach the sandbox, valid or not, authenticated or not: a fault
// stands for the gateway in front of the API. It fails on an operationId
// that is not in the spec or on n < 1.
func (s *Sandbox) Inject(operationID string, n int, f Fault) error {
	if !s.hasOperation(operationID) {
		return fmt.Errorf("sandbox: no operation %q in the spec", operationID)
	}
	if n < 1 {
		return fmt.Errorf("sandbox: inject into %s: %d calls, want 1 or more", operationID, n)
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		return fmt.Errorf("sandbox: inject into %s: status %d is not an HTTP status", operationID, f.Status)
	}
	s.script.mu.Lock()
	defer s.script.mu.Unlock()
	if s.script.faults == nil {
		s.script.faults = map[string][]scripted{}
	}
	s.script.faults[operationID] = append(s.script.faults[operationID], scripted{left: n, fault: f})
	return nil
}

// ClearScripts forgets every fault and reconnection answer queued and not
// used yet.
func (s *Sandbox) ClearScripts() {
	s.script.mu.Lock()
	defer s.script.mu.Unlock()
	s.script.faults = nil
	s.script.reconnections = nil
}

func (s *Sandbox) hasOperation(id string) bool {
	_, ok := s.model.Operation(id)
	return ok
}

// next takes the fault for one call of operation id, if one is queued.
func (sc *scripts) next(id string) (Fault, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	q := sc.faults[id]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0].fault
	if q[0].left--; q[0].left == 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(sc.faults, id)
	} else {
		sc.faults[id] = q
	}
	return f, true
}

// fault answers one call as f says; answer computes the operation's own
// answer, for a fault that only delays it.
func (s *Sandbox) fault(w http.ResponseWriter, r *http.Request, o *operation, f Fault, answer func() response) {
	if f.Delay > 0 {
		timer := time.NewTimer(f.Delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			// The client gave up, or the server is closing: drop the
			// connection rather than let net/http send an empty 200.
			timer.Stop()
			resetConnection(w)
			return
		}
	}
	if f.Reset {
		resetConnection(w)
		return
	}
	if f.RetryAfter > 0 {
		secs := (f.RetryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
	if f.Status == 0 {
		s.write(w, r, o, true, answer())
		return
	}
	// A scripted status is, by design, one the operation may not
	// document: it is not validated as an answer, and comes in the
	// operation's error shape.
	s.write(w, r, o, false, scriptedError(f.Status).response())
}

// scriptedError is the error body of a scripted status: the API's shape,
// the status as reason code, and Recoverable set for the statuses a client
// should retry.
func scriptedError(status int) apiError {
	recoverable := false
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		recoverable = true
	}
	text := http.StatusText(status)
	if text == "" {
		text = "Status " + strconv.Itoa(status)
	}
	return apiError{status: status, reason: strconv.Itoa(status), description: text + ".",
		details: "Answer scripted by the test.", recoverable: recoverable}
}

// connResetter is a ResponseWriter that can fail its round trip with a
// connection reset: the in-process transport's.
type connResetter interface{ resetConnection() }

// resetConnection drops the connection of w without an answer. A served
// connection is hijacked and closed with SO_LINGER 0, so the peer gets a
// TCP reset rather than an orderly end; a server that cannot hijack
// (HTTP/2) aborts the handler, which also drops the stream.
func resetConnection(w http.ResponseWriter) {
	if rc, ok := w.(connResetter); ok {
		rc.resetConnection()
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
