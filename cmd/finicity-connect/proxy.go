package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/listen"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

// proxyShutdownGrace bounds how long exchanges in flight at SIGINT or
// SIGTERM may take to finish (a variable for tests).
var proxyShutdownGrace = shutdownGrace

// Defaults of the proxy command. Its connection limits are the served
// sandbox's (serve.go), through the same package, internal/listen.
const (
	proxyDefaultAddr = "127.0.0.1:4011"
	// proxyDefaultMaxBody caps each request and each answer: the API's
	// bodies are a few kilobytes.
	proxyDefaultMaxBody int64 = 1 << 20
	// proxyDefaultMaxBuffered caps the bodies held in memory at once,
	// requests and answers of every exchange together, so that uploads
	// stalled just short of --max-body-bytes cannot hold the memory of
	// --max-connections of them (200 held 252 MB): past it, a request
	// is answered 503 at once.
	proxyDefaultMaxBuffered int64 = 32 << 20
	// proxyMaxHeaderBytes caps a request's line and headers: the API's
	// headers are a few hundred bytes, and every slot holding this much
	// stays small (256 × 64 KiB).
	proxyMaxHeaderBytes = 64 << 10
)

// proxyCommand is finicity-connect proxy: a reverse proxy in front of the
// API that forwards every request unchanged and checks each exchange
// against the embedded spec (internal/validation), reporting departures
// on stderr and in --report, and recording a secret-free HAR.
func proxyCommand(fs *flag.FlagSet) func(context.Context, *invocation) error {
	upstream := fs.String("upstream", "", "the API to forward to, e.g. https://api.finicity.com (plain http only for loopback)")
	addr := fs.String("addr", proxyDefaultAddr, "address to listen on (loopback unless you say otherwise)")
	reportPath := fs.String("report", "", "append one JSON object per finding to this file (JSON Lines)")
	harPath := fs.String("har", "", "write every exchange to this HAR 1.2 file, credentials replaced by [REDACTED]")
	maxBody := fs.Int64("max-body-bytes", proxyDefaultMaxBody, "largest request or answer body forwarded")
	timeout := fs.Duration("timeout", 60*time.Second, "give up on an upstream answer after this long")
	headerTimeout := fs.Duration("header-timeout", defaultHeaderTimeout, "close a connection whose request line and headers take longer")
	readTimeout := fs.Duration("read-timeout", defaultReadTimeout, "close a connection whose whole request, body included, takes longer to arrive (the wait for upstream does not count)")
	writeTimeout := fs.Duration("write-timeout", defaultWriteTimeout, "give up writing an answer to the client after this long")
	idleTimeout := fs.Duration("idle-timeout", defaultIdleTimeout, "close a keep-alive connection idle this long")
	maxConns := fs.Int("max-connections", defaultMaxConnections, "connections served at once; more wait until one closes (at the cap, one idle for 1s is closed to make room)")
	maxBuffered := fs.Int64("max-buffered-bytes", proxyDefaultMaxBuffered, "request and answer bodies held in memory at once, all exchanges together; a request past it is answered 503")
	failOn := fs.String("fail-on", failOnViolations, "at SIGINT or SIGTERM, exit 1 when a finding of this class was recorded: violations (of the spec), any (informational ones too) or none")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		switch *failOn {
		case failOnViolations, failOnAny, failOnNone:
		default:
			return usagef("invalid --fail-on %q: want violations, any or none", *failOn)
		}
		up, err := parseUpstream(*upstream)
		if err != nil {
			return err
		}
		if *maxBody <= 0 || *timeout <= 0 {
			return usagef("--max-body-bytes and --timeout must be positive")
		}
		if *headerTimeout <= 0 || *readTimeout <= 0 || *writeTimeout <= 0 || *idleTimeout <= 0 || *maxConns <= 0 || *maxBuffered <= 0 {
			return usagef("--header-timeout, --read-timeout, --write-timeout, --idle-timeout, --max-connections and --max-buffered-bytes must be positive")
		}
		p, err := newProxy(up, *maxBody, *timeout, in.stderr)
		if err != nil {
			return err
		}
		p.budget, p.writeTimeout = listen.NewBudget(*maxBuffered), *writeTimeout
		defer p.close()
		if *reportPath != "" {
			if p.report, err = os.OpenFile(*reportPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
				return usagef("cannot open --report: %v", unwrapPath(err))
			}
		}
		if *harPath != "" {
			if p.har, err = createHAR(*harPath); err != nil {
				return usagef("cannot write --har: %v", unwrapPath(err))
			}
		}
		ln, err := listen.Listen(*addr, *maxConns)
		if err != nil {
			return usagef("cannot listen on --addr %s: %v", *addr, err)
		}
		defer ln.Close()
		base := "http://" + ln.Addr().String()
		if host, _, _ := net.SplitHostPort(ln.Addr().String()); !isLoopbackHost(host) {
			fmt.Fprintf(in.stderr, "warning: the proxy listens beyond this machine (%s): anyone who reaches it calls the API with the credentials its clients send\n", host)
		}
		fmt.Fprintf(in.stderr, "proxy listening on %s, forwarding to %s; findings below, one per line\n", base, printableURL(up))
		if err := json.NewEncoder(in.stdout).Encode(proxyReady{URL: base, PID: os.Getpid(), Upstream: printableURL(up)}); err != nil {
			return fmt.Errorf("writing the ready line: %w", err)
		}

		// The write timeout is the proxy's own, from when upstream's
		// answer is in (ServeHTTP): the server's would count the wait
		// for upstream too.
		srv := listen.NewServer(p, listen.Limits{HeaderTimeout: *headerTimeout, ReadTimeout: *readTimeout, IdleTimeout: *idleTimeout,
			MaxConnections: *maxConns, MaxHeaderBytes: proxyMaxHeaderBytes, IdleEvictAfter: idleEvictAfter})
		// Past the grace, the connections left are closed, which cancels
		// their upstream calls, so that each exchange still in flight is
		// recorded (with no answer) before the summary.
		if _, err := listen.ServeUntil(ctx, srv, ln, proxyShutdownGrace, nil); err != nil {
			return fmt.Errorf("proxy stopped: %w", err)
		}
		p.drain(proxyShutdownGrace)
		return p.summarize(in.stdout, in.stderr, *failOn)
	}
}

// The classes of --fail-on.
const (
	failOnViolations = "violations"
	failOnAny        = "any"
	failOnNone       = "none"
)

// proxyReady is the proxy's ready line on stdout.
type proxyReady struct {
	URL      string `json:"url"`
	PID      int    `json:"pid"`
	Upstream string `json:"upstream"`
}

// parseUpstream accepts an absolute http(s) URL, and plain http only for
// a loopback host: the credentials would travel in clear otherwise.
func parseUpstream(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, usagef("missing required --upstream: the API to forward to, e.g. --upstream https://api.finicity.com")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, usagef("invalid --upstream: want an absolute http(s) URL such as https://api.finicity.com")
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return nil, usagef("refusing plain http --upstream %s: the app key and token would travel in clear; use https, or http only to a loopback host", u.Host)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("invalid --upstream: want scheme, host and an optional path, with no user, query or fragment")
	}
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func printableURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// proxy forwards and checks exchanges. It is safe for concurrent use.
type proxy struct {
	upstream *url.URL
	client   *http.Client
	checker  *validation.Validator
	maxBody  int64
	stderr   io.Writer
	report   *os.File    // --report, nil without
	har      *har.Writer // --har, nil without
	// budget holds the bodies in memory (--max-buffered-bytes);
	// writeTimeout bounds writing an answer to the client.
	budget       *listen.Budget
	writeTimeout time.Duration

	mu        sync.Mutex    // guards what follows, and the writes to stderr and report
	inflight  int           // exchanges being served
	idle      chan struct{} // closed when inflight drops to 0, while drain waits
	closed    bool          // the files are closed: an exchange past the drain is not recorded
	exchanges int
	byKind    map[validation.Kind]int
	// violations and informational count the findings by severity.
	violations, informational int
	secrets                   []string // credentials seen lately, masked in whatever is recorded
}

func newProxy(up *url.URL, maxBody int64, timeout time.Duration, stderr io.Writer) (*proxy, error) {
	c, err := specdoc.Validator()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the upstream named is the one reached
	tr.MaxIdleConnsPerHost = 64
	return &proxy{
		budget:       listen.NewBudget(proxyDefaultMaxBuffered),
		writeTimeout: defaultWriteTimeout,
		upstream:     up,
		client: &http.Client{
			Transport: tr,
			Timeout:   timeout,
			// Redirects are the client's to follow: forwarded as they came.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		checker: c,
		maxBody: maxBody,
		stderr:  stderr,
		byKind:  map[validation.Kind]int{},
	}, nil
}

func (p *proxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.report != nil {
		_ = p.report.Close()
	}
	if p.har != nil {
		_ = p.har.Close()
	}
	p.client.CloseIdleConnections()
}

// hopHeaders are not forwarded (RFC 9110, section 7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func endToEnd(h http.Header) http.Header {
	out := h.Clone()
	for _, f := range out.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			out.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range hopHeaders {
		out.Del(name)
	}
	return out
}

// proxied is one request and its answer, as the proxy records it.
type proxied struct {
	started  time.Time
	req      *http.Request // as received
	reqBody  []byte
	outURL   string // as forwarded
	outHdr   http.Header
	status   int    // 0: no answer for the client (it gave up first)
	proto    string // the answer's protocol, such as HTTP/1.1
	respHdr  http.Header
	respBody []byte
	waited   time.Duration
	findings []validation.Finding
	// release gives the bodies' bytes back to the budget.
	release []func()
}

// ServeHTTP forwards one exchange, records it (stderr, --report, --har),
// and only then answers the client: once a client has its answer, the
// exchange is in the report and the HAR.
func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.inflight++
	p.mu.Unlock()
	defer p.done()
	rc := http.NewResponseController(w)
	x := p.exchange(r, rc)
	defer func() {
		for _, release := range x.release {
			release()
		}
	}()
	p.record(x)
	if x.status == 0 {
		return
	}
	_ = rc.SetWriteDeadline(time.Now().Add(p.writeTimeout))
	h := w.Header()
	for k, vs := range endToEnd(x.respHdr) {
		h[k] = vs
	}
	h.Del("Content-Length")
	w.WriteHeader(x.status)
	_, _ = w.Write(x.respBody)
}

// done ends an exchange's service.
func (p *proxy) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight--; p.inflight == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// drain waits, at most timeout, until no exchange is being served.
func (p *proxy) drain(timeout time.Duration) {
	p.mu.Lock()
	if p.inflight == 0 {
		p.mu.Unlock()
		return
	}
	idle := make(chan struct{})
	p.idle = idle
	p.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	}
}

// exchange reads r, checks it, forwards it and checks the answer; what
// the client is to get is in the result (status 0: nothing, it is gone).
// rc is the client's connection: once the request is in, its read
// deadline (--read-timeout) no longer applies, since the wait for
// upstream is not the client's to bound.
func (p *proxy) exchange(r *http.Request, rc *http.ResponseController) *proxied {
	x := &proxied{started: time.Now(), req: r}
	x.outURL = p.target(r).String() // recorded even when nothing is forwarded
	body, err := p.readBody(x, r.Body)
	if err != nil {
		var ne net.Error
		switch {
		case errors.Is(err, listen.ErrTooLarge):
			p.fail(x, http.StatusRequestEntityTooLarge, "request body larger than --max-body-bytes, not forwarded")
		case errors.Is(err, listen.ErrBusy):
			p.fail(x, http.StatusServiceUnavailable, "the proxy holds --max-buffered-bytes of bodies already; try again shortly")
			x.respHdr.Set("Retry-After", "1")
		case errors.As(err, &ne) && ne.Timeout():
			p.fail(x, http.StatusRequestTimeout, "request body not received within --read-timeout, not forwarded")
		default:
			p.fail(x, http.StatusBadRequest, "request body could not be read, not forwarded")
		}
		return x
	}
	_ = rc.SetReadDeadline(time.Time{})
	x.reqBody = body
	route, findings := p.checker.CheckRequest(r.Context(), r, body)
	var op validation.Operation
	if route != nil {
		op = validation.OperationOf(route.Op)
	}
	out, err := p.outbound(r, body)
	if err != nil {
		p.fail(x, http.StatusBadGateway, "request could not be forwarded")
		return x
	}
	x.outHdr = out.Header
	start := time.Now()
	resp, err := p.client.Do(out)
	if err != nil && r.Context().Err() != nil {
		// The client gave up first: nobody to answer, and upstream is
		// not at fault.
		x.findings = findings
		return x
	}
	if err != nil {
		x.findings = append(findings, validation.Finding{Operation: op, Direction: validation.Response, Status: http.StatusBadGateway,
			Kind: validation.KindUpstream, Severity: validation.Violation, Rule: "no answer from upstream: " + upstreamReason(err)})
		p.fail(x, http.StatusBadGateway, "no answer from upstream "+printableURL(p.upstream))
		return x
	}
	respBody, err := p.readBody(x, resp.Body)
	_ = resp.Body.Close()
	x.waited = time.Since(start)
	if errors.Is(err, listen.ErrBusy) {
		// Not upstream's fault: no finding.
		p.fail(x, http.StatusServiceUnavailable, "the proxy holds --max-buffered-bytes of bodies already; try again shortly")
		x.respHdr.Set("Retry-After", "1")
		return x
	}
	if err != nil {
		x.findings = append(findings, validation.Finding{Operation: op, Direction: validation.Response, Status: http.StatusBadGateway,
			Kind: validation.KindUpstream, Severity: validation.Violation, Rule: "upstream answer larger than --max-body-bytes, or cut short"})
		p.fail(x, http.StatusBadGateway, "upstream answer not forwarded: larger than --max-body-bytes, or cut short")
		return x
	}
	x.status, x.proto, x.respHdr, x.respBody = resp.StatusCode, resp.Proto, resp.Header, respBody
	for i := range findings {
		findings[i].Status = resp.StatusCode
	}
	if route != nil { // outside the spec, the request's finding says it all
		findings = append(findings, p.checker.CheckRouteResponse(r.Context(), route, r, resp.StatusCode, resp.Header, respBody)...)
	}
	x.findings = findings
	return x
}

// outbound is r as forwarded: the same method, path, query, headers (but
// hop-by-hop ones) and body, to the upstream.
func (p *proxy) outbound(r *http.Request, body []byte) (*http.Request, error) {
	target := p.target(r)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), rd)
	if err != nil {
		return nil, err
	}
	out.Header = endToEnd(r.Header)
	// The proxy's own transport negotiates compression, so that it reads
	// (and checks) answers in clear; the client gets them uncompressed.
	out.Header.Del("Accept-Encoding")
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = nil // as sent: none, not Go's default
	}
	return out, nil
}

// target is the upstream URL of r: upstream's scheme, host and path
// prefix, then r's path and query as sent.
func (p *proxy) target(r *http.Request) *url.URL {
	target := *p.upstream
	target.Path = strings.TrimSuffix(p.upstream.Path, "/") + r.URL.Path
	if r.URL.RawPath != "" {
		target.RawPath = strings.TrimSuffix(p.upstream.EscapedPath(), "/") + r.URL.RawPath
	}
	target.RawQuery = r.URL.RawQuery
	return &target
}

// readBody reads at most --max-body-bytes of body into memory charged to
// the budget, released when x is answered; nil for no body.
func (p *proxy) readBody(x *proxied, body io.Reader) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	b, release, err := p.budget.Read(body, p.maxBody)
	if err != nil {
		return nil, err
	}
	x.release = append(x.release, release)
	return b, nil
}

// upstreamReason says why upstream did not answer, without the URL (the
// finding names the operation) and without any value of the request.
func upstreamReason(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op + ": " + op.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// fail makes the proxy's own answer, with a JSON error body the API's
// clients decode like the API's own.
func (p *proxy) fail(x *proxied, status int, details string) {
	body, _ := json.Marshal(map[string]any{"Errors": map[string]any{"Error": []map[string]any{{
		"Source": "finicity-connect proxy", "ReasonCode": fmt.Sprint(status),
		"Description": http.StatusText(status) + ".", "Details": details, "Recoverable": status == http.StatusBadGateway,
	}}}})
	x.status, x.proto, x.respBody = status, "HTTP/1.1", body
	x.respHdr = http.Header{"Content-Type": {"application/json"}}
}

// record reports an exchange's findings (stderr, --report) and adds it to
// the HAR, every credential masked.
func (p *proxy) record(x *proxied) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.exchanges++
	now := time.Now().UTC()
	// Every credential seen lately masks what is recorded: a finding
	// quotes a transport error, which may quote an upstream's malformed
	// answer, which may quote the request's credentials.
	p.secrets = rememberSecrets(p.secrets, x)
	mask := func(s string) string { return redact.Text(s, p.secrets...) }
	x.findings = maskFindings(x.findings, mask)
	for _, f := range x.findings {
		p.byKind[f.Kind]++
		if f.Informational() {
			p.informational++
		} else {
			p.violations++
		}
		note := ""
		if f.Informational() {
			note = " (informational: the API sends more than the spec; time to regenerate)"
		}
		fmt.Fprintf(p.stderr, "finding: %s%s\n", f, note)
		if p.report != nil {
			line, _ := json.Marshal(reportLine{Time: now.Format(time.RFC3339Nano), Finding: f, Informational: f.Informational()})
			_, _ = p.report.Write(append(line, '\n'))
		}
	}
	if p.har != nil {
		if err := p.har.Add(harEntryOf(x, p.secrets)); err != nil {
			fmt.Fprintf(p.stderr, "warning: --har: %v\n", err)
		}
	}
}

// maskFindings returns findings with every text field masked: the rule
// (an upstream's error), the field and where it is (a header's name, a
// path parameter's value may be anything a client sent).
func maskFindings(findings []validation.Finding, mask func(string) string) []validation.Finding {
	if len(findings) == 0 {
		return findings
	}
	out := make([]validation.Finding, len(findings))
	for i, f := range findings {
		f.Rule, f.Field, f.In, f.Location = mask(f.Rule), mask(f.Field), mask(f.In), mask(f.Location)
		out[i] = f
	}
	return out
}

// reportLine is one line of --report.
type reportLine struct {
	Time string `json:"time"`
	validation.Finding
	Informational bool `json:"informational"`
}

// summarize prints, at exit, the counts per kind and per severity: on
// stderr for people, and one JSON line on stdout after the ready line.
// It returns the exit of --fail-on: an error exiting 1 when a finding of
// that class was recorded.
func (p *proxy) summarize(stdout, stderr io.Writer, failOn string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	kinds := make([]string, 0, len(p.byKind))
	total := 0
	counts := map[string]int{}
	for k, n := range p.byKind {
		kinds = append(kinds, string(k))
		counts[string(k)] = n
		total += n
	}
	sort.Strings(kinds)
	fmt.Fprintf(stderr, "summary: %d exchange(s), %d finding(s): %d violation(s), %d informational\n", p.exchanges, total, p.violations, p.informational)
	for _, k := range kinds {
		fmt.Fprintf(stderr, "  %-20s %d\n", k, counts[k])
	}
	failing := 0
	switch failOn {
	case failOnViolations:
		failing = p.violations
	case failOnAny:
		failing = total
	}
	code := exitOK
	if failing > 0 {
		code = exitAPI
		fmt.Fprintf(stderr, "exit 1: --fail-on %s, and %d such finding(s) were recorded\n", failOn, failing)
	} else {
		fmt.Fprintf(stderr, "exit 0: no finding of --fail-on %s was recorded\n", failOn)
	}
	if err := json.NewEncoder(stdout).Encode(map[string]any{"summary": map[string]any{
		"exchanges": p.exchanges, "findings": total, "violations": p.violations, "informational": p.informational,
		"byKind": counts, "failOn": failOn, "exitCode": code}}); err != nil {
		return err
	}
	if code != exitOK {
		return exitWith(code, "%d finding(s) of --fail-on %s recorded", failing, failOn)
	}
	return nil
}

// secretsKept bounds the credentials the proxy remembers for masking: a
// handful of app keys and tokens at a time.
const secretsKept = 64

// rememberSecrets adds the credentials of x, by where they stand (the
// secret headers, the secret JSON fields of either body), to the recent
// ones.
func rememberSecrets(known []string, x *proxied) []string {
	add := func(v string) {
		if v = strings.TrimSpace(v); v == "" {
			return
		}
		for _, k := range known {
			if k == v {
				return
			}
		}
		known = append(known, v)
		if len(known) > secretsKept {
			known = known[1:]
		}
	}
	for _, h := range []http.Header{x.req.Header, x.respHdr} {
		for name, vs := range h {
			if redact.IsSecretHeader(name) {
				for _, v := range vs {
					add(v)
					if _, cred, ok := strings.Cut(v, " "); ok { // "Bearer xyz"
						add(cred)
					}
				}
			}
		}
	}
	for _, b := range [][]byte{x.reqBody, x.respBody} {
		for _, v := range redact.FieldValues(b) {
			add(v)
		}
	}
	return known
}
