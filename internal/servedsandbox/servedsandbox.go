// Package servedsandbox is the sandbox that finicity-connect sandbox
// serves on a socket, for tests in any language: the in-process sandbox
// (internal/sandbox) with its state kept in a file between runs if asked
// (internal/statefile), one line on its log per request off the spec,
// and, once it listens, a ready line on stdout; it is served under the
// limits of internal/listen until its context ends, then shuts down
// within a grace.
package servedsandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/finicity-go/connect-components/internal/listen"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/statefile"
	"github.com/finicity-go/connect-components/internal/validation"
)

// MaxHeaderBytes caps a request's line and headers. Past it net/http
// answers a bare 431 before the sandbox sees the request, so it is well
// above what the sandbox refuses with the API's own errors (an app key
// over 256 bytes: 401, reason 10026), up to a 400 KB key; and low enough
// that every connection holding that much stays far under the memory
// bound (256 × 512 KiB).
const MaxHeaderBytes = 512 << 10

// DefaultGrace bounds how long the requests in flight may finish once
// the context ends.
const DefaultGrace = 5 * time.Second

// Config is what the served sandbox is made of. The zero Config is a
// sandbox with the defaults of internal/sandbox, in memory only.
type Config struct {
	// CheckTokens accepts only the tokens the sandbox issued, expiring
	// after TokenLifetime (sandbox.DefaultTokenLifetime when 0).
	CheckTokens   bool
	TokenLifetime time.Duration
	// MaxBody is the largest request body accepted
	// (sandbox.DefaultMaxBodyBytes when 0).
	MaxBody int64
	// MaxState is the byte budget of the stored state
	// (sandbox.DefaultMaxStateBytes when 0); a state file over it plus a
	// quarter is refused.
	MaxState int64
	// Strict refuses every request off the spec, what the API would
	// ignore included.
	Strict bool
	// StatePath is the state file, absolute: loaded at start, saved
	// after each change. Empty: in memory only.
	StatePath string
}

// Server is a sandbox to serve, with its state loaded. It is an
// http.Handler.
type Server struct {
	sb        *sandbox.Sandbox
	statePath string
}

// Open makes the sandbox of cfg, whose URLs (an OAuth URL's) are at
// base, and loads its state file. Every request off the spec is a line
// on log; a save that fails is a warning there.
func Open(ctx context.Context, cfg Config, base string, log io.Writer) (*Server, error) {
	maxState := cfg.MaxState
	if maxState <= 0 {
		maxState = sandbox.DefaultMaxStateBytes
	}
	opts := []sandbox.Option{sandbox.WithTokenCheck(cfg.CheckTokens), sandbox.WithMaxStateBytes(maxState),
		sandbox.WithPublicURL(base), sandbox.WithStrict(cfg.Strict), sandbox.WithRequestHook(findingLog(log))}
	if cfg.TokenLifetime > 0 {
		opts = append(opts, sandbox.WithTokenLifetime(cfg.TokenLifetime))
	}
	if cfg.MaxBody > 0 {
		opts = append(opts, sandbox.WithMaxBodyBytes(cfg.MaxBody))
	}
	var sb *sandbox.Sandbox
	var persisted *statefile.Served
	if cfg.StatePath != "" {
		// The hook runs for requests only, once sb is set below.
		opts = append(opts, sandbox.WithStateHook(func() { persisted.Save(sb) }))
	}
	sb = sandbox.New(opts...)
	if cfg.StatePath != "" {
		var err error
		if persisted, err = statefile.OpenServed(ctx, cfg.StatePath, sb, maxState, log); err != nil {
			return nil, err
		}
	}
	return &Server{sb: sb, statePath: cfg.StatePath}, nil
}

// ServeHTTP answers a request as the sandbox does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.sb.ServeHTTP(w, r) }

// Loaded counts what the sandbox stores for every app key (a state file
// holds app keys only as keyed hashes).
func (s *Server) Loaded() int { return s.sb.ResourceCount() }

// Ready is the line the served sandbox prints on stdout once it
// listens: the URL to use, the process to stop, and what a client needs
// to log in (the partner secret is the documented default,
// sandbox.DefaultPartnerSecret, left out of the line).
type Ready struct {
	URL        string `json:"url"`
	PID        int    `json:"pid"`
	PartnerID  string `json:"partnerId"`
	TokenCheck bool   `json:"tokenCheck"`
	StateFile  string `json:"stateFile,omitempty"`
}

// Run serves the sandbox of cfg on ln under limits (MaxHeaderBytes when
// they set none) until ctx ends: it says on stderr where it listens and
// how to call it, prints the Ready line on stdout, logs each request off
// the spec on stderr, and once ctx ends lets the requests in flight
// finish within grace. The error is a state file that cannot be used, a
// failure to write the ready line (stdout's own error), or a listener
// that failed while serving.
func Run(ctx context.Context, ln net.Listener, cfg Config, limits listen.Limits, grace time.Duration, stdout, stderr io.Writer) error {
	base := "http://" + ln.Addr().String()
	s, err := Open(ctx, cfg, base, stderr)
	if err != nil {
		return err
	}
	if limits.MaxHeaderBytes == 0 {
		limits.MaxHeaderBytes = MaxHeaderBytes
	}
	srv := listen.NewServer(s, limits)

	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(stderr, "warning: the sandbox listens beyond this machine (%s); it has no real security\n", host)
	}
	fmt.Fprintf(stderr, "sandbox listening on %s (token checking %s; partner credentials %s / %s)\n",
		base, onOff(cfg.CheckTokens), sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
	if cfg.StatePath != "" {
		fmt.Fprintf(stderr, "state: %s (%d configuration(s) loaded, saved after each change; --sandbox commands use app key %s)\n",
			cfg.StatePath, s.Loaded(), sandbox.DefaultAppKey)
	}
	fmt.Fprintf(stderr, "try: FINICITY_APP_KEY=k FINICITY_APP_TOKEN=t FINICITY_BASE_URL=%s finicity-connect configurations list\n", base)
	// The ready line: one JSON object on stdout, once the socket listens
	// (connections made from now on wait in its backlog until Serve
	// accepts them), for a test harness in any language.
	if err := json.NewEncoder(stdout).Encode(Ready{URL: base, PID: os.Getpid(), PartnerID: sandbox.DefaultPartnerID,
		TokenCheck: cfg.CheckTokens, StateFile: cfg.StatePath}); err != nil {
		return err
	}

	cut, err := listen.ServeUntil(ctx, srv, ln, grace, func() { fmt.Fprintln(stderr, "shutting down") })
	if err != nil {
		return fmt.Errorf("sandbox server stopped: %w", err)
	}
	if cut {
		// The grace was over (a body still arriving byte by byte). The
		// server stopped as asked, so this is no failure of the run.
		fmt.Fprintf(stderr, "requests still in flight after the %v grace: their connections were closed\n", grace)
	}
	return nil
}

// findingLog writes one line on log per request off the spec: its method
// and path, its operation and every finding, naming fields and rules,
// never a value; "(refused)" when the sandbox refused it.
func findingLog(log io.Writer) func(sandbox.Inbound) {
	var mu sync.Mutex
	return func(in sandbox.Inbound) {
		if len(in.Findings) == 0 {
			return
		}
		var op validation.Operation
		if in.Route != nil {
			op = validation.OperationOf(in.Route.Op)
		}
		line := fmt.Sprintf("finding: %s %s: %s: %s", in.Request.Method, in.Request.URL.EscapedPath(), op, validation.Join(in.Findings))
		if in.Violation != nil {
			line += " (refused)"
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(log, line)
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
