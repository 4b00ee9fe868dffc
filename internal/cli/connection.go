package cli

import (
	"flag"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/statefile"
)

// Environment variables read for credentials and endpoint. Flags override
// them one by one.
const (
	EnvAppKey        = "FINICITY_APP_KEY"
	EnvAppToken      = "FINICITY_APP_TOKEN"
	EnvPartnerID     = "FINICITY_PARTNER_ID"
	EnvPartnerSecret = "FINICITY_PARTNER_SECRET"
	EnvBaseURL       = "FINICITY_BASE_URL"
)

// connection holds the flags every API command shares.
type connection struct {
	appKey, appToken, partnerID, partnerSecret, baseURL string

	useSandbox bool
	statePath  string           // --sandbox-state
	sandbox    *sandbox.Sandbox // with --sandbox: loaded from the state file
	output     string
	verbose    bool
	validate   bool
	timeout    time.Duration
	retries    int

	// partnerAuth makes the client use partner credentials only (the
	// token command): an app token is ignored rather than preferred.
	partnerAuth bool

	// secrets is every credential in use: the ones the run was given,
	// and the tokens the client fetched by itself, recorded as requests
	// carry them. Everything the CLI prints is masked with them, since an
	// API error's texts are printed field by field and may quote one back.
	secrets redact.Set
}

// record is a middleware noting in c.secrets the token each attempt
// carries.
func (c *connection) record(next api.Doer) api.Doer {
	return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
		c.secrets.Add(req.Header.Get("Finicity-App-Token"))
		return next.Do(req)
	})
}

func (c *connection) register(fs *flag.FlagSet) {
	fs.StringVar(&c.appKey, "app-key", "", "Finicity-App-Key (default $"+EnvAppKey+")")
	fs.StringVar(&c.appToken, "app-token", "", "Finicity-App-Token (default $"+EnvAppToken+")")
	fs.StringVar(&c.partnerID, "partner-id", "", "partner id, to fetch tokens instead of --app-token (default $"+EnvPartnerID+")")
	fs.StringVar(&c.partnerSecret, "partner-secret", "", "partner secret (default $"+EnvPartnerSecret+"; prefer the variable: flags show in process lists)")
	fs.StringVar(&c.baseURL, "base-url", "", "API endpoint (default $"+EnvBaseURL+", else "+api.DefaultBaseURL+")")
	fs.BoolVar(&c.useSandbox, "sandbox", false, "run against an in-process sandbox: no credentials, no network; what it stores is kept in a state file between runs")
	fs.StringVar(&c.statePath, "sandbox-state", "", "the --sandbox state file (default $"+EnvSandboxState+", else <user cache dir>/"+statefile.DefaultName+"); 'finicity-connect sandbox reset' empties it")
	fs.StringVar(&c.output, "output", "json", "output format: json or table")
	fs.BoolVar(&c.verbose, "verbose", false, "print each HTTP attempt on stderr: request and response lines, headers and bodies, credentials masked")
	fs.BoolVar(&c.validate, "validate", false, "check the request against the OpenAPI spec before sending it")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "give up on the call after this long")
	fs.IntVar(&c.retries, "retries", api.DefaultRetries, "retries of a GET or DELETE after a network error or a 429, 502, 503 or 504 answer")
}

// check validates the flags that need no network.
func (c *connection) check() error {
	if c.output != "json" && c.output != "table" {
		return Usagef("invalid --output %q: use json or table", c.output)
	}
	if c.timeout <= 0 {
		return Usagef("invalid --timeout %v: must be positive", c.timeout)
	}
	if c.retries < 0 {
		return Usagef("invalid --retries %d: must be 0 or more", c.retries)
	}
	if c.statePath != "" && !c.useSandbox {
		return Usagef("--sandbox-state names the state file of --sandbox: pass --sandbox too")
	}
	return nil
}

// client builds the API client: against an in-process sandbox with
// --sandbox, otherwise from flags and environment. It notes the
// credentials in use in c.secrets, for masking whatever is printed.
func (c *connection) client(env func(string) string, stderr io.Writer) (*api.Client, error) {
	opts := []api.Option{api.WithRetries(c.retries), api.WithMiddleware(c.record)}
	if c.validate {
		opts = append(opts, api.WithRequestValidation())
	}
	if c.useSandbox {
		c.partnerID, c.partnerSecret = sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret
		c.secrets.Add(sandbox.DefaultAppKey, c.partnerSecret)
		return SandboxClient(c.sandbox, append(opts, c.verboseOptions(stderr)...)...)
	}
	pick := func(flagValue, name string) string {
		if flagValue != "" {
			return flagValue
		}
		return strings.TrimSpace(env(name))
	}
	key := pick(c.appKey, EnvAppKey)
	token := pick(c.appToken, EnvAppToken)
	pid, secret := pick(c.partnerID, EnvPartnerID), pick(c.partnerSecret, EnvPartnerSecret)
	var missing string
	switch {
	case key == "":
		missing = EnvAppKey + " is not set"
	case c.partnerAuth && (pid == "" || secret == ""):
		return nil, Usagef("missing credentials (a fresh token needs partner credentials): set %s, %s and %s, or pass --sandbox to use the local sandbox",
			EnvAppKey, EnvPartnerID, EnvPartnerSecret)
	case c.partnerAuth:
		token = ""
	case token == "" && (pid == "" || secret == ""):
		missing = "no token: " + EnvAppToken + " is not set, nor both " + EnvPartnerID + " and " + EnvPartnerSecret
	}
	if missing != "" {
		return nil, Usagef("missing credentials (%s): set %s and %s (or %s and %s), or pass --sandbox to use the local sandbox",
			missing, EnvAppKey, EnvAppToken, EnvPartnerID, EnvPartnerSecret)
	}
	// The app key and token travel as header values: a control
	// character (a pasted newline) would fail every attempt as if the
	// network had, so it is a usage error here, naming where the value
	// came from and never the value.
	for _, v := range []struct{ value, flagValue, flag, env string }{
		{key, c.appKey, "--app-key", EnvAppKey}, {token, c.appToken, "--app-token", EnvAppToken}} {
		if v.value != "" && !httpguts.ValidHeaderFieldValue(v.value) {
			from := "$" + v.env
			if v.flagValue != "" {
				from = v.flag
			}
			return nil, Usagef("invalid %s: holds a control character (a newline?), which a header value cannot", from)
		}
	}
	c.partnerID, c.partnerSecret = pid, secret
	c.secrets.Add(key, token, secret)
	opts = append(opts, c.verboseOptions(stderr)...)
	if base := pick(c.baseURL, EnvBaseURL); base != "" {
		opts = append(opts, api.WithBaseURL(base))
	}
	// An explicit token wins over partner credentials, so a token pasted
	// for a quick check is used even when the partner variables are set.
	if token != "" {
		opts = append(opts, api.WithAppToken(token))
	} else {
		opts = append(opts, api.WithPartnerCredentials(pid, secret))
	}
	cl, err := api.NewClient(key, opts...)
	if err != nil {
		// Every option the CLI passes is valid but the base URL, which
		// the user gave: a usage error. The package's prefix is dropped
		// because the CLI prints its own.
		return nil, Usagef("%s", strings.TrimPrefix(err.Error(), "finicity: "))
	}
	return cl, nil
}

// verboseOptions are the --verbose layers: the client's own debug log
// (one line per attempt, plus retries and token renewals) and the dump of
// each exchange.
func (c *connection) verboseOptions(stderr io.Writer) []api.Option {
	if !c.verbose {
		return nil
	}
	return VerboseOptions(stderr, c.secrets.All())
}

// VerboseOptions are the client options of --verbose: the client's
// debug log and the dump of every exchange on stderr, masked with
// secrets and with the credentials each request carries.
func VerboseOptions(stderr io.Writer, secrets []string) []api.Option {
	return []api.Option{api.WithLogger(debugLogger(stderr)), api.WithMiddleware(dumpExchanges(stderr, secrets...))}
}

// SandboxClient talks to sb in process, logging in with the sandbox
// partner credentials so the token lifecycle runs as it would for real.
func SandboxClient(sb *sandbox.Sandbox, opts ...api.Option) (*api.Client, error) {
	opts = append(opts,
		api.WithBaseURL(sandbox.InProcessURL),
		api.WithHTTPClient(sb.HTTPClient()),
		api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	return api.NewClient(sandbox.DefaultAppKey, opts...)
}

// debugLogger is the client's log under --verbose: text records at debug
// level on w.
func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
