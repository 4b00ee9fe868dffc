package main

import (
	"flag"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// Environment variables read for credentials and endpoint. Flags override
// them one by one.
const (
	envAppKey        = "FINICITY_APP_KEY"
	envAppToken      = "FINICITY_APP_TOKEN"
	envPartnerID     = "FINICITY_PARTNER_ID"
	envPartnerSecret = "FINICITY_PARTNER_SECRET"
	envBaseURL       = "FINICITY_BASE_URL"
)

// sandboxAppKey is the app key used with --sandbox and demo. The sandbox
// accepts any key; this one just reads well in logs.
const sandboxAppKey = "sandbox-app-key"

// connection holds the flags every API command shares.
type connection struct {
	appKey, appToken, partnerID, partnerSecret, baseURL string

	useSandbox bool
	output     string
	verbose    bool
	validate   bool
	timeout    time.Duration
	retries    int

	// partnerAuth makes the client use partner credentials only (the
	// token command): an app token is ignored rather than preferred.
	partnerAuth bool
}

func (c *connection) register(fs *flag.FlagSet) {
	fs.StringVar(&c.appKey, "app-key", "", "Finicity-App-Key (default $"+envAppKey+")")
	fs.StringVar(&c.appToken, "app-token", "", "Finicity-App-Token (default $"+envAppToken+")")
	fs.StringVar(&c.partnerID, "partner-id", "", "partner id, to fetch tokens instead of --app-token (default $"+envPartnerID+")")
	fs.StringVar(&c.partnerSecret, "partner-secret", "", "partner secret (default $"+envPartnerSecret+"; prefer the variable: flags show in process lists)")
	fs.StringVar(&c.baseURL, "base-url", "", "API endpoint (default $"+envBaseURL+", else "+api.DefaultBaseURL+")")
	fs.BoolVar(&c.useSandbox, "sandbox", false, "run against an in-process sandbox: no credentials, no network")
	fs.StringVar(&c.output, "output", "json", "output format: json or table")
	fs.BoolVar(&c.verbose, "verbose", false, "log each HTTP exchange to stderr (credentials redacted)")
	fs.BoolVar(&c.validate, "validate", false, "check the request against the OpenAPI spec before sending it")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "give up on the call after this long")
	fs.IntVar(&c.retries, "retries", api.DefaultRetries, "retries of a GET or DELETE after a network error or 429/5xx")
}

// check validates the flags that need no network.
func (c *connection) check() error {
	if c.output != "json" && c.output != "table" {
		return usagef("invalid --output %q: use json or table", c.output)
	}
	if c.timeout <= 0 {
		return usagef("invalid --timeout %v: must be positive", c.timeout)
	}
	if c.retries < 0 {
		return usagef("invalid --retries %d: must be 0 or more", c.retries)
	}
	return nil
}

// client builds the API client: against an in-process sandbox with
// --sandbox, otherwise from flags and environment.
func (c *connection) client(env func(string) string, stderr interface{ Write([]byte) (int, error) }) (*api.Client, error) {
	opts := []api.Option{api.WithRetries(c.retries)}
	if c.verbose {
		opts = append(opts, api.WithLogger(debugLogger(stderr)))
	}
	if c.validate {
		opts = append(opts, api.WithRequestValidation())
	}
	if c.useSandbox {
		return sandboxClient(opts...)
	}
	pick := func(flagValue, name string) string {
		if flagValue != "" {
			return flagValue
		}
		return strings.TrimSpace(env(name))
	}
	key := pick(c.appKey, envAppKey)
	token := pick(c.appToken, envAppToken)
	pid, secret := pick(c.partnerID, envPartnerID), pick(c.partnerSecret, envPartnerSecret)
	var missing string
	switch {
	case key == "":
		missing = envAppKey + " is not set"
	case c.partnerAuth && (pid == "" || secret == ""):
		return nil, usagef("missing credentials (a fresh token needs partner credentials): set %s, %s and %s, or pass --sandbox to use the local sandbox",
			envAppKey, envPartnerID, envPartnerSecret)
	case c.partnerAuth:
		token = ""
	case token == "" && (pid == "" || secret == ""):
		missing = "no token: " + envAppToken + " is not set, nor both " + envPartnerID + " and " + envPartnerSecret
	}
	if missing != "" {
		return nil, usagef("missing credentials (%s): set %s and %s (or %s and %s), or pass --sandbox to use the local sandbox",
			missing, envAppKey, envAppToken, envPartnerID, envPartnerSecret)
	}
	if base := pick(c.baseURL, envBaseURL); base != "" {
		opts = append(opts, api.WithBaseURL(base))
	}
	// An explicit token wins over partner credentials, so a token pasted
	// for a quick check is used even when the partner variables are set.
	if token == "" {
		opts = append(opts, api.WithPartnerCredentials(pid, secret))
	}
	cl, err := api.NewClient(key, token, opts...)
	if err != nil {
		return nil, usagef("%s", strings.TrimPrefix(err.Error(), "api: "))
	}
	return cl, nil
}

// sandboxClient talks to a fresh in-process sandbox that checks tokens
// like the real API, logging in with the sandbox partner credentials so
// the token lifecycle runs as it would for real.
func sandboxClient(opts ...api.Option) (*api.Client, error) {
	sb := sandbox.New(sandbox.WithTokenCheck(true))
	opts = append(opts,
		api.WithBaseURL(sandbox.InProcessURL),
		api.WithHTTPClient(sb.HTTPClient()),
		api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	return api.NewClient(sandboxAppKey, "", opts...)
}

// debugLogger is the --verbose log: text records at debug level on w.
func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
