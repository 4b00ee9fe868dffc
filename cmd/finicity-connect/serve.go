package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/finicity-go/connect-components/internal/listen"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/statefile"
	"github.com/finicity-go/connect-components/internal/validation"
)

// shutdownGrace bounds how long in-flight requests may finish after
// SIGINT/SIGTERM.
const shutdownGrace = 5 * time.Second

// maxHeaderBytes caps a request's line and headers. Past it net/http
// answers a bare 431 before the sandbox sees the request, so it is well
// above what the sandbox refuses with the API's own errors (an app key
// over 256 bytes: 401, reason 10026), up to a 400 KB key; and low enough
// that every slot holding that much stays far under the memory bound
// (256 × 512 KiB).
const maxHeaderBytes = 512 << 10

func serveSandbox(fs *flag.FlagSet) func(context.Context, *invocation) error {
	addr := fs.String("addr", "127.0.0.1:4010", "address to listen on")
	checkTokens := fs.Bool("check-tokens", false, "accept only tokens this sandbox issued (partner authentication), expiring after --token-lifetime")
	lifetime := fs.Duration("token-lifetime", sandbox.DefaultTokenLifetime, "lifetime of issued tokens")
	maxBody := fs.Int64("max-body-bytes", sandbox.DefaultMaxBodyBytes, "largest request body accepted")
	maxState := fs.Int64("max-state-bytes", sandbox.DefaultMaxStateBytes, "byte budget of the stored state; a create past it is refused (400, reason 10010); a --state file over it plus a quarter is refused")
	stateFlag := fs.String("state", "", "load the sandbox's state from this file at start and save it there after each change (as --sandbox does); default: in memory only")
	limits := limitFlags(fs, "close a connection whose whole request, body included, takes longer", "give up writing an answer after this long",
		"connections served at once; more wait until one closes")
	grace := fs.Duration("shutdown-grace", shutdownGrace, "on SIGINT/SIGTERM, let requests in flight finish this long, then close their connections")
	strict := fs.Bool("strict", false, "refuse every request off the spec with 400 and reason code 10010, what the API would ignore (a field it does not define) included")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		if *lifetime <= 0 || *maxBody <= 0 || *maxState <= 0 {
			return usagef("--token-lifetime, --max-body-bytes and --max-state-bytes must be positive")
		}
		if !limits.positive() || *grace <= 0 {
			return usagef("--header-timeout, --read-timeout, --write-timeout, --idle-timeout, --max-connections and --shutdown-grace must be positive")
		}
		ln, err := listenOn(*addr, limits)
		if err != nil {
			return err
		}
		defer ln.Close() // when returning early; Shutdown closes it otherwise
		base := "http://" + ln.Addr().String()
		opts := []sandbox.Option{sandbox.WithTokenCheck(*checkTokens), sandbox.WithTokenLifetime(*lifetime),
			sandbox.WithMaxBodyBytes(*maxBody), sandbox.WithMaxStateBytes(*maxState), sandbox.WithPublicURL(base),
			sandbox.WithStrict(*strict), sandbox.WithRequestHook(findingLog(in.stderr))}
		var sb *sandbox.Sandbox
		var persisted *statefile.Served
		if *stateFlag != "" {
			// The hook runs for requests only, once sb is set below.
			opts = append(opts, sandbox.WithStateHook(func() { persisted.Save(sb) }))
		}
		sb = sandbox.New(opts...)
		var path string
		if *stateFlag != "" {
			if path, err = filepath.Abs(*stateFlag); err == nil {
				persisted, err = statefile.OpenServed(ctx, path, sb, *maxState, in.stderr)
			}
			if err != nil {
				return err
			}
		}
		lim := limits.limits()
		lim.MaxHeaderBytes = maxHeaderBytes
		srv := listen.NewServer(sb, lim)

		host, _, _ := net.SplitHostPort(ln.Addr().String())
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			fmt.Fprintf(in.stderr, "warning: the sandbox listens beyond this machine (%s); it has no real security\n", host)
		}
		fmt.Fprintf(in.stderr, "sandbox listening on %s (token checking %s; partner credentials %s / %s)\n",
			base, onOff(*checkTokens), sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
		if path != "" {
			fmt.Fprintf(in.stderr, "state: %s (%d configuration(s) loaded, saved after each change; --sandbox commands use app key %s)\n",
				path, countConfigurations(sb), sandboxAppKey)
		}
		fmt.Fprintf(in.stderr, "try: FINICITY_APP_KEY=k FINICITY_APP_TOKEN=t FINICITY_BASE_URL=%s finicity-connect configurations list\n", base)
		// The ready line: one JSON object on stdout, once the socket
		// listens (connections made from now on wait in its backlog until
		// Serve accepts them), for a test harness in any language.
		if err := json.NewEncoder(in.stdout).Encode(readyLine{URL: base, PID: os.Getpid(), PartnerID: sandbox.DefaultPartnerID,
			TokenCheck: *checkTokens, StateFile: path}); err != nil {
			return err // an *outputError (outputWriter): exit 4
		}

		cut, err := listen.ServeUntil(ctx, srv, ln, *grace, func() { fmt.Fprintln(in.stderr, "shutting down") })
		if err != nil {
			return fmt.Errorf("sandbox server stopped: %w", err)
		}
		if cut {
			// The grace was over (a body still arriving byte by byte).
			// The server stopped as asked, so this is no failure of the
			// run.
			fmt.Fprintf(in.stderr, "requests still in flight after the %v grace: their connections were closed\n", *grace)
		}
		return nil
	}
}

// findingLog writes one line on stderr per request off the spec: its
// method and path, its operation and every finding, naming fields and
// rules, never a value; "(refused)" when the sandbox refused it.
func findingLog(stderr io.Writer) func(sandbox.Inbound) {
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
		fmt.Fprintln(stderr, line)
	}
}

// readyLine is what the sandbox command prints on stdout once it
// listens: the URL to use, the process to stop, and what a client needs
// to log in (the partner secret is the documented default,
// sandbox.DefaultPartnerSecret, left out of the line).
type readyLine struct {
	URL        string `json:"url"`
	PID        int    `json:"pid"`
	PartnerID  string `json:"partnerId"`
	TokenCheck bool   `json:"tokenCheck"`
	StateFile  string `json:"stateFile,omitempty"`
}

// countConfigurations counts what sb stores for every app key: a state
// file holds app keys only as keyed hashes, so AppKeys cannot list them.
func countConfigurations(sb *sandbox.Sandbox) int { return sb.ResourceCount() }

// resetSandboxState empties the --sandbox state file: it removes it,
// under the lock, so that the next invocation starts from nothing. It
// does not read the file, so a corrupt one is reset too.
func resetSandboxState(flags *flag.FlagSet) func(context.Context, *invocation) error {
	stateFlag := flags.String("state", "", "the state file to empty (default $"+envSandboxState+", else <user cache dir>/"+statefile.DefaultName+")")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		path, err := statePath(*stateFlag, in.env)
		if err != nil {
			return err
		}
		if err := statefile.Reset(ctx, path, in.stderr); err != nil {
			return err
		}
		fmt.Fprintf(in.stdout, "sandbox state reset: %s\n", path)
		return nil
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
