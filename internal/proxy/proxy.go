// Package proxy is the validating proxy of finicity-connect: a reverse
// proxy in front of the API that forwards every request unchanged, checks
// each exchange against the embedded spec (internal/validation), reports
// each departure (a line on its log, a JSON line in its report), records
// every exchange in a HAR file with the credentials masked, and totals
// the findings at the end, failing on the class asked for.
//
// A Proxy is an http.Handler: Serve runs it on a listener under the
// limits of internal/listen until its context ends, then lets the
// exchanges in flight finish (each is recorded, with no answer if it has
// none) before the summary.
package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
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

// Defaults of the options and of the limits the proxy is served under.
const (
	// DefaultMaxBody caps each request and each answer: the API's bodies
	// are a few kilobytes.
	DefaultMaxBody int64 = 1 << 20
	// DefaultMaxBuffered caps the bodies held in memory at once,
	// requests and answers of every exchange together, so that uploads
	// stalled just short of the body cap cannot hold the memory of every
	// connection (200 held 252 MB): past it, a request is answered 503
	// at once.
	DefaultMaxBuffered int64 = 32 << 20
	// DefaultTimeout bounds the wait for upstream's answer.
	DefaultTimeout = 60 * time.Second
	// MaxHeaderBytes caps a request's line and headers: the API's
	// headers are a few hundred bytes, and every connection holding this
	// much stays small (256 × 64 KiB).
	MaxHeaderBytes = 64 << 10
)

// The classes of findings the proxy can fail on (Summarize).
const (
	FailOnViolations = "violations" // a violation of the spec (an upstream that did not answer counts)
	FailOnAny        = "any"        // any finding, informational ones included
	FailOnNone       = "none"       // never
)

// Options configure a Proxy. Upstream is required.
type Options struct {
	// Upstream is the API forwarded to (ParseUpstream checks one).
	Upstream *url.URL
	// MaxBody is the largest request or answer body forwarded
	// (DefaultMaxBody when 0).
	MaxBody int64
	// MaxBuffered caps the bodies held in memory at once
	// (DefaultMaxBuffered when 0).
	MaxBuffered int64
	// Timeout bounds the wait for upstream's answer (DefaultTimeout when
	// 0).
	Timeout time.Duration
	// WriteTimeout bounds writing an answer to the client, from when
	// upstream's is in (listen.Defaults' when 0): the server's own would
	// count the wait for upstream too.
	WriteTimeout time.Duration
	// Log gets one line per finding (stderr); nil discards them.
	Log io.Writer
	// Report gets one JSON object per finding (JSON Lines); nil for none.
	Report io.Writer
	// HAR gets every exchange; nil for none.
	HAR *har.Writer
}

// Proxy forwards and checks exchanges. It is safe for concurrent use.
type Proxy struct {
	upstream     *url.URL
	client       *http.Client
	checker      *validation.Validator
	maxBody      int64
	log, report  io.Writer
	har          *har.Writer
	budget       *listen.Budget // the bodies in memory
	writeTimeout time.Duration

	mu        sync.Mutex    // guards what follows, and the writes to log and report
	inflight  int           // exchanges being served
	idle      chan struct{} // closed when inflight drops to 0, while drain waits
	closed    bool          // Close ran: an exchange past it is not recorded
	exchanges int
	byKind    map[validation.Kind]int
	// violations and informational count the findings by severity.
	violations, informational int
	secrets                   []string // credentials seen lately, masked in whatever is recorded
}

// New returns a proxy to opts.Upstream, checking exchanges against the
// embedded spec.
func New(opts Options) (*Proxy, error) {
	if opts.Upstream == nil {
		return nil, errors.New("proxy: no upstream")
	}
	c, err := specdoc.Validator()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the upstream named is the one reached
	tr.MaxIdleConnsPerHost = 64
	p := &Proxy{
		upstream: opts.Upstream,
		client: &http.Client{
			Transport: tr,
			Timeout:   or(opts.Timeout, DefaultTimeout),
			// Redirects are the client's to follow: forwarded as they came.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		checker:      c,
		maxBody:      or(opts.MaxBody, DefaultMaxBody),
		log:          opts.Log,
		report:       opts.Report,
		har:          opts.HAR,
		budget:       listen.NewBudget(or(opts.MaxBuffered, DefaultMaxBuffered)),
		writeTimeout: or(opts.WriteTimeout, listen.Defaults.WriteTimeout),
		byKind:       map[validation.Kind]int{},
	}
	if p.log == nil {
		p.log = io.Discard
	}
	return p, nil
}

func or[T int64 | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Serve serves the proxy on ln under limits until ctx ends, then shuts
// down: the exchanges in flight get grace to finish, then their
// connections are closed, which cancels their upstream calls, so that
// each is recorded (with no answer) before Serve returns. The error is a
// failure of the listener while serving.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener, limits listen.Limits, grace time.Duration) error {
	// The write timeout is the proxy's own, from when upstream's answer
	// is in (ServeHTTP): the server's would count the wait for upstream.
	limits.WriteTimeout = 0
	if limits.MaxHeaderBytes == 0 {
		limits.MaxHeaderBytes = MaxHeaderBytes
	}
	if _, err := listen.ServeUntil(ctx, listen.NewServer(p, limits), ln, grace, nil); err != nil {
		return err
	}
	p.drain(grace)
	return nil
}

// Close stops recording (an exchange still in flight is not recorded),
// closes the report when it is an io.Closer and the HAR, and the idle
// connections to upstream.
func (p *Proxy) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	var errs []error
	if c, ok := p.report.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if p.har != nil {
		errs = append(errs, p.har.Close())
	}
	p.client.CloseIdleConnections()
	return errors.Join(errs...)
}

// ParseUpstream accepts an absolute http(s) URL, and plain http only for
// a loopback host: the credentials would travel in clear otherwise. Its
// errors are worded for the --upstream flag.
func ParseUpstream(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("missing required --upstream: the API to forward to, e.g. --upstream https://api.finicity.com")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errors.New("invalid --upstream: want an absolute http(s) URL such as https://api.finicity.com")
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("refusing plain http --upstream %s: the app key and token would travel in clear; use https, or http only to a loopback host", u.Host)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("invalid --upstream: want scheme, host and an optional path, with no user, query or fragment")
	}
	return u, nil
}

// IsLoopbackHost reports whether host (a name or an IP address) is this
// machine's.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PrintableURL is u with its scheme, host and path only.
func PrintableURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
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

// ServeHTTP forwards one exchange, records it (log, report, HAR), and
// only then answers the client: once a client has its answer, the
// exchange is in the report and the HAR.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
func (p *Proxy) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight--; p.inflight == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// drain waits, at most timeout, until no exchange is being served.
func (p *Proxy) drain(timeout time.Duration) {
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
func (p *Proxy) exchange(r *http.Request, rc *http.ResponseController) *proxied {
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
		p.fail(x, http.StatusBadGateway, "no answer from upstream "+PrintableURL(p.upstream))
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
func (p *Proxy) outbound(r *http.Request, body []byte) (*http.Request, error) {
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
func (p *Proxy) target(r *http.Request) *url.URL {
	target := *p.upstream
	target.Path = strings.TrimSuffix(p.upstream.Path, "/") + r.URL.Path
	if r.URL.RawPath != "" {
		target.RawPath = strings.TrimSuffix(p.upstream.EscapedPath(), "/") + r.URL.RawPath
	}
	target.RawQuery = r.URL.RawQuery
	return &target
}

// readBody reads at most MaxBody bytes of body into memory charged to
// the budget, released when x is answered; nil for no body.
func (p *Proxy) readBody(x *proxied, body io.Reader) ([]byte, error) {
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
func (p *Proxy) fail(x *proxied, status int, details string) {
	body, _ := json.Marshal(map[string]any{"Errors": map[string]any{"Error": []map[string]any{{
		"Source": "finicity-connect proxy", "ReasonCode": fmt.Sprint(status),
		"Description": http.StatusText(status) + ".", "Details": details, "Recoverable": status == http.StatusBadGateway,
	}}}})
	x.status, x.proto, x.respBody = status, "HTTP/1.1", body
	x.respHdr = http.Header{"Content-Type": {"application/json"}}
}

// record reports an exchange's findings (log, report) and adds it to the
// HAR, every credential masked.
func (p *Proxy) record(x *proxied) {
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
	x.findings = validation.MaskFindings(x.findings, mask)
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
		fmt.Fprintf(p.log, "finding: %s%s\n", f, note)
		if p.report != nil {
			line, _ := json.Marshal(ReportLine{Time: now.Format(time.RFC3339Nano), Finding: f, Informational: f.Informational()})
			_, _ = p.report.Write(append(line, '\n'))
		}
	}
	if p.har != nil {
		if err := p.har.Add(harEntryOf(x, p.secrets)); err != nil {
			fmt.Fprintf(p.log, "warning: --har: %v\n", err)
		}
	}
}

// ReportLine is one line of the report.
type ReportLine struct {
	Time string `json:"time"`
	validation.Finding
	Informational bool `json:"informational"`
}

// FailOnError ends a proxy run that recorded findings of the class it
// fails on: the run exits with ExitCode.
type FailOnError struct {
	Count  int    // the findings of the class
	FailOn string // the class
}

func (e *FailOnError) Error() string {
	return fmt.Sprintf("%d finding(s) of --fail-on %s recorded", e.Count, e.FailOn)
}

// ExitCode is 1: the exit of a proxy run that failed on its findings.
func (e *FailOnError) ExitCode() int { return 1 }

// Summarize prints the counts per kind and per severity: on stderr for
// people, and one JSON line on stdout (after the ready line). It returns
// a *FailOnError when a finding of the class failOn was recorded, or the
// failure to write stdout.
func (p *Proxy) Summarize(stdout, stderr io.Writer, failOn string) error {
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
	case FailOnViolations:
		failing = p.violations
	case FailOnAny:
		failing = total
	}
	code := 0
	if failing > 0 {
		code = (&FailOnError{}).ExitCode()
		fmt.Fprintf(stderr, "exit %d: --fail-on %s, and %d such finding(s) were recorded\n", code, failOn, failing)
	} else {
		fmt.Fprintf(stderr, "exit 0: no finding of --fail-on %s was recorded\n", failOn)
	}
	if err := json.NewEncoder(stdout).Encode(map[string]any{"summary": map[string]any{
		"exchanges": p.exchanges, "findings": total, "violations": p.violations, "informational": p.informational,
		"byKind": counts, "failOn": failOn, "exitCode": code}}); err != nil {
		return err
	}
	if failing > 0 {
		return &FailOnError{Count: failing, FailOn: failOn}
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
