package connecttest

import (
	"time"

	"github.com/finicity-go/connect-components/internal/sandbox"
)

// Fault is how a scripted call is answered instead of normally: build one
// with Status, Delay or ConnectionReset, and queue it with Server.Inject.
// A Fault is a value; its methods return a modified copy.
type Fault struct {
	f sandbox.Fault
}

// Status answers the call with the HTTP status code (400 to 599) and the
// API's error body:
//
//	{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"503",
//	  "Description":"Service Unavailable.","Details":"Answer scripted by the test.",
//	  "Recoverable":true}]}}
//
// The reason code is the status; Recoverable is true for 429, 502, 503
// and 504, the statuses a client retries (package api retries GET and
// DELETE on them).
func Status(code int) Fault { return Fault{sandbox.Fault{Status: code}} }

// Delay answers the call normally, after d. The wait is a timer, ended
// early if the client gives up (its context or attempt timeout ends).
// Inside a testing/synctest bubble, with a Client (in process), the timer
// is the bubble's: the test does not wait for real.
func Delay(d time.Duration) Fault { return Fault{sandbox.Fault{Delay: d}} }

// ConnectionReset drops the connection instead of answering. In process
// (Client), the call's transport fails with a *net.OpError wrapping
// syscall.ECONNRESET (errors.Is(err, syscall.ECONNRESET)); served
// (ServedClient), the connection is closed with a TCP reset. Package api
// retries a GET or DELETE that meets it, never a POST. (Served, net/http's
// transport itself resends a GET whose reused keep-alive connection is
// reset, before package api sees anything: that call consumes a second
// scripted fault, if any.)
func ConnectionReset() Fault { return Fault{sandbox.Fault{Reset: true}} }

// WithRetryAfter adds a Retry-After header of d, in whole seconds rounded
// up, as the API sends with a 429 or a 503. Package api waits that long
// before retrying, capped by its api.WithRetryBackoff maximum.
func (f Fault) WithRetryAfter(d time.Duration) Fault {
	f.f.RetryAfter = d
	return f
}

// WithDelay makes the fault happen after d, as Delay does for a normal
// answer: Status(504).WithDelay(30*time.Second) is a gateway timing out.
func (f Fault) WithDelay(d time.Duration) Fault {
	f.f.Delay = d
	return f
}

// Inject makes the next n calls of an operation answer f, after the calls
// already scripted for it. The operation is named as you know it: the api
// method ("Configurations.List", "Partners.Authenticate"), the docs' name
// ("get_configurations") or the operationId ("GetConfigurations"). An
// unknown name, n < 1, or a Status outside 400 to 599 fails the test at
// once (t.Fatalf), listing the names.
//
// A call counts when it reaches the server, whether it is valid and
// authenticated or not: a fault stands for the network and gateway in
// front of the API. Retries are calls: with the api client's default of 2
// retries, Inject("Configurations.List", 3, Status(503)) makes a List
// fail and Inject("Configurations.List", 2, Status(503)) makes it succeed
// on its third attempt.
func (s *Server) Inject(operation string, n int, f Fault) {
	s.t.Helper()
	op, ok := lookupOperation(operation)
	if !ok {
		s.t.Fatalf("connecttest: Inject: no operation %q; the operations are: %s", operation, knownOperations())
		return
	}
	if f.f.Status != 0 && (f.f.Status < 400 || f.f.Status > 599) {
		s.t.Fatalf("connecttest: Inject(%q): Status(%d): want an error status, 400 to 599", operation, f.f.Status)
		return
	}
	if err := s.sb.Inject(op.ID, n, f.f); err != nil {
		s.t.Fatalf("connecttest: Inject(%q): %v", operation, err)
	}
}

// Reconnection is an answer of Reconnections.Create, for
// NextReconnection.
type Reconnection int

// The answers of Reconnections.Create. Each comes with fresh ids; only
// the shape is fixed.
const (
	// LoginForm: 201, a login form (username, password).
	LoginForm Reconnection = iota + 1
	// MFAText: 203, one TFA_TEXT challenge, no choices.
	MFAText
	// MFAChoice: 203, one TFA_CHOICE challenge with 3 choice ids.
	MFAChoice
	// MFAMulti: 203, one TFA_MULTI challenge with 4 choice ids (images).
	MFAMulti
	// MFAImage: 203, one TFA_IMAGE challenge (a captcha, no choices).
	MFAImage
	// MFATextThenChoice: 203, two challenges in one set: TFA_TEXT, then
	// TFA_CHOICE with 2 choice ids.
	MFATextThenChoice
)

// NextReconnection makes the next len(answers) calls of
// Reconnections.Create that succeed (not answered by a fault or an error)
// answer these, in order, whatever the ids sent. Without one, the server answers
// by the last digit of the institution login id, as the CLI's sandbox
// does (3 MFAText, 4 MFAChoice, 5 MFAMulti, 6 MFAImage, 7
// MFATextThenChoice, any other LoginForm). An unknown answer fails the
// test (t.Fatalf).
func (s *Server) NextReconnection(answers ...Reconnection) {
	s.t.Helper()
	kinds := make([]sandbox.Reconnection, len(answers))
	for i, a := range answers {
		k, ok := reconnectionKinds[a]
		if !ok {
			s.t.Fatalf("connecttest: NextReconnection: %d is not a Reconnection; use LoginForm, MFAText, MFAChoice, MFAMulti, MFAImage or MFATextThenChoice", int(a))
			return
		}
		kinds[i] = k
	}
	if err := s.sb.QueueReconnections(kinds...); err != nil {
		s.t.Fatalf("connecttest: NextReconnection: %v", err)
	}
}

var reconnectionKinds = map[Reconnection]sandbox.Reconnection{
	LoginForm:         sandbox.ReconnectLoginForm,
	MFAText:           sandbox.ReconnectTFAText,
	MFAChoice:         sandbox.ReconnectTFAChoice,
	MFAMulti:          sandbox.ReconnectTFAMulti,
	MFAImage:          sandbox.ReconnectTFAImage,
	MFATextThenChoice: sandbox.ReconnectTFATextThenChoice,
}
