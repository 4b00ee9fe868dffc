// Package harcheck checks recorded traffic against the spec, offline:
// every exchange of HAR files (from the proxy, a browser's devtools or
// any tool), request and response, with the checker the proxy uses
// (internal/validation). An exchange is the API's when its URL is in the
// scope (har.Scope); the others are skipped and counted. The report is
// written as text, JSON or JUnit XML (which CI systems show as tests),
// with no secret of the recordings in it, in any form.
package harcheck

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"

	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/validation"
)

// The formats of Render.
const (
	FormatText  = "text"
	FormatJSON  = "json"
	FormatJUnit = "junit"
)

// Input is one recording to check: its name in the report (a path, or
// "-" for stdin) and its contents.
type Input struct {
	Name string
	HAR  *har.File
}

// ReadError is a recording that cannot be read or is not a HAR file.
type ReadError struct {
	Name string
	Err  error
}

func (e *ReadError) Error() string {
	err := e.Err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the message names the file already
	}
	return fmt.Sprintf("cannot read %s: %v", e.Name, err)
}
func (e *ReadError) Unwrap() error { return e.Err }

// Read reads the recordings named, "-" being stdin (to give once); the
// first that cannot be read or is not a HAR ends it with a *ReadError.
func Read(names []string, stdin io.Reader) ([]Input, error) {
	var out []Input
	for _, name := range names {
		var f *har.File
		var err error
		if name == "-" {
			f, err = har.Read(stdin)
		} else {
			f, err = har.ReadFile(name)
		}
		if err != nil {
			return nil, &ReadError{Name: name, Err: err}
		}
		out = append(out, Input{Name: name, HAR: f})
	}
	return out, nil
}

// Check checks every exchange of inputs against the spec v knows, those
// of scope; the others are skipped.
func Check(ctx context.Context, v *validation.Validator, scope *har.Scope, inputs []Input) *Report {
	rep := &Report{Files: []File{}}
	for _, in := range inputs {
		vf := File{File: in.Name, Exchanges: []Exchange{}}
		for n := range in.HAR.Log.Entries {
			e := &in.HAR.Log.Entries[n]
			rep.secrets = append(rep.secrets, entrySecrets(e)...)
			vf.Exchanges = append(vf.Exchanges, checkEntry(ctx, v, scope, n+1, e))
		}
		rep.Files = append(rep.Files, vf)
	}
	rep.total()
	return rep
}

// Render writes the report in format (FormatText, FormatJSON or
// FormatJUnit), every secret the recordings hold masked, in any form,
// wherever the report quotes them.
func (r *Report) Render(format string) (string, error) {
	masked := r.masked(r.secrets)
	var b bytes.Buffer
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(masked); err != nil {
			return "", err
		}
	case FormatJUnit:
		masked.junit(&b)
	case FormatText:
		masked.text(&b)
	default:
		return "", fmt.Errorf("no report format %q", format)
	}
	// The last line of defence: whatever a file held is masked in any
	// form, wherever the report quotes it.
	return redact.Text(b.String(), r.secrets...), nil
}

// Report is the check of recorded exchanges: each file's, in order,
// and the totals. Check makes one; Render writes it.
type Report struct {
	Files  []File `json:"files"`
	Totals Totals `json:"totals"`

	secrets []string // the recordings' credentials, masked by Render
}

// File is the check of one recording.
type File struct {
	File      string     `json:"file"`
	Exchanges []Exchange `json:"exchanges"`
}

// Exchange is one entry of a file: checked, or skipped.
type Exchange struct {
	// Entry is the entry's number in its file, from 1.
	Entry  int    `json:"entry"`
	Method string `json:"method"`
	// URL is the request's URL without its query (it may hold a token).
	URL string `json:"url"`
	// Path is the path the exchange was routed on: the URL's, below the
	// API's base.
	Path      string               `json:"path,omitempty"`
	Status    int                  `json:"status"`
	Operation validation.Operation `json:"operation"`
	Findings  []validation.Finding `json:"findings"`
	// Skipped says why the exchange was not checked: not the API's.
	Skipped string `json:"skipped,omitempty"`
}

// Totals count a report's files, exchanges and findings.
type Totals struct {
	Files     int `json:"files"`
	Exchanges int `json:"exchanges"`
	Checked   int `json:"checked"`
	Skipped   int `json:"skipped"`
	// Failed counts the exchanges with a violation.
	Failed        int `json:"failed"`
	Violations    int `json:"violations"`
	Informational int `json:"informational"`
}

// checkEntry checks entry number n of a file.
func checkEntry(ctx context.Context, v *validation.Validator, scope *har.Scope, n int, e *har.Entry) Exchange {
	x := Exchange{Entry: n, Method: strings.ToUpper(e.Request.Method), URL: withoutQuery(e.Request.URL), Status: e.Response.Status, Findings: []validation.Finding{}}
	req, body, err := e.HTTPRequest()
	if err != nil {
		x.Skipped = "unreadable entry: " + err.Error()
		return x
	}
	rel, skip := scope.Locate(req.URL)
	if skip != "" {
		x.Skipped = skip
		return x
	}
	x.Path = rel
	routed := *req.URL
	routed.RawPath = rel
	if p, err := url.PathUnescape(rel); err == nil {
		routed.Path = p
	}
	req.URL = &routed
	route, findings := v.CheckRequest(ctx, req, body)
	for i := range findings {
		findings[i].Status = x.Status
	}
	x.Findings = append(x.Findings, findings...)
	if route == nil {
		return x
	}
	x.Operation = validation.OperationOf(route.Op)
	if x.Status == 0 {
		x.Findings = append(x.Findings, notRecorded(x.Operation, "", "no response in the recording: not checked"))
		return x
	}
	header := e.ResponseHeader()
	if header.Get("Content-Type") == "" && e.Response.Content.MimeType != "" {
		header.Set("Content-Type", e.Response.Content.MimeType)
	}
	respBody, recorded, err := e.ResponseBody()
	switch {
	case err != nil:
		x.Findings = append(x.Findings, notRecorded(x.Operation, "body", "response "+err.Error()+": not checked"))
		x.Findings = append(x.Findings, v.CheckRouteResponseHead(ctx, route, req, x.Status, header)...)
	case !recorded:
		x.Findings = append(x.Findings, notRecorded(x.Operation, "body", validation.RuleNotRecorded))
		x.Findings = append(x.Findings, v.CheckRouteResponseHead(ctx, route, req, x.Status, header)...)
	default:
		x.Findings = append(x.Findings, v.CheckRouteResponse(ctx, route, req, x.Status, header, respBody)...)
	}
	for i := range x.Findings {
		x.Findings[i].Status = x.Status
	}
	return x
}

// notRecorded is the informational finding of a response part the
// recording lacks.
func notRecorded(op validation.Operation, in, rule string) validation.Finding {
	return validation.Finding{Operation: op, Direction: validation.Response, Kind: validation.KindNotRecorded,
		Severity: validation.Informational, In: in, Rule: rule}
}

func withoutQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an URL that does not parse)"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// total counts the report's exchanges and findings.
func (r *Report) total() {
	r.Totals = Totals{Files: len(r.Files)}
	for _, f := range r.Files {
		for _, x := range f.Exchanges {
			r.Totals.Exchanges++
			if x.Skipped != "" {
				r.Totals.Skipped++
				continue
			}
			r.Totals.Checked++
			failed := false
			for _, fd := range x.Findings {
				if fd.Informational() {
					r.Totals.Informational++
				} else {
					r.Totals.Violations++
					failed = true
				}
			}
			if failed {
				r.Totals.Failed++
			}
		}
	}
}

// masked is the report with every text a recording gave it (URLs, paths,
// names found in messages) masked with the recordings' secrets.
func (r Report) masked(secrets []string) Report {
	mask := func(s string) string { return redact.Text(s, secrets...) }
	out := Report{Totals: r.Totals, Files: make([]File, len(r.Files))}
	for i, f := range r.Files {
		mf := File{File: mask(f.File), Exchanges: make([]Exchange, len(f.Exchanges))}
		for j, x := range f.Exchanges {
			x.URL, x.Path, x.Skipped, x.Method = mask(x.URL), mask(x.Path), mask(x.Skipped), mask(x.Method)
			x.Findings = validation.MaskFindings(x.Findings, mask)
			mf.Exchanges[j] = x
		}
		out.Files[i] = mf
	}
	return out
}

// name is how the report names an exchange: its operation and its
// request line, or its request line alone.
func (x Exchange) name() string {
	line := x.Method + " " + x.URL
	if x.Path != "" {
		line = x.Method + " " + x.Path
	}
	if x.Operation.Method != "" {
		return x.Operation.Method + " " + line
	}
	return line
}

func (x Exchange) violations() int {
	return len(validation.Violations(x.Findings))
}

// text is the report for people: one line per exchange, its findings
// below it, then the totals.
func (r Report) text(w io.Writer) {
	for _, f := range r.Files {
		fmt.Fprintf(w, "%s\n", f.File)
		for _, x := range f.Exchanges {
			switch {
			case x.Skipped != "":
				fmt.Fprintf(w, "  skip  #%d %s %s: %s\n", x.Entry, x.Method, x.URL, x.Skipped)
				continue
			case x.violations() > 0:
				fmt.Fprintf(w, "  FAIL  #%d %s", x.Entry, x.name())
			default:
				fmt.Fprintf(w, "  ok    #%d %s", x.Entry, x.name())
			}
			if x.Status != 0 {
				fmt.Fprintf(w, " -> %d", x.Status)
			}
			fmt.Fprintln(w)
			for _, fd := range x.Findings {
				note := ""
				if fd.Informational() {
					note = " (informational)"
				}
				fmt.Fprintf(w, "          %s: %s%s\n", fd.Direction, fd.Detail(), note)
			}
		}
	}
	t := r.Totals
	fmt.Fprintf(w, "%d file(s), %d exchange(s): %d checked, %d skipped; %d violation(s) in %d exchange(s), %d informational\n",
		t.Files, t.Exchanges, t.Checked, t.Skipped, t.Violations, t.Failed, t.Informational)
}

// The JUnit XML the report is written as: one test suite per file, one
// test case per exchange, one failure per violation; a skipped exchange
// is a skipped test case; informational findings go to system-out.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string         `xml:"name,attr"`
		ClassName string         `xml:"classname,attr"`
		Failures  []junitFailure `xml:"failure"`
		Skipped   *junitSkipped  `xml:"skipped"`
		SystemOut string         `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// junit writes the report as JUnit XML.
func (r Report) junit(w io.Writer) {
	all := junitSuites{Name: "finicity-connect validate", Suites: []junitSuite{}}
	for _, f := range r.Files {
		s := junitSuite{Name: f.File, Cases: []junitCase{}}
		for _, x := range f.Exchanges {
			c := junitCase{Name: fmt.Sprintf("#%d %s", x.Entry, x.name()), ClassName: f.File}
			if x.Skipped != "" {
				c.Name = fmt.Sprintf("#%d %s %s", x.Entry, x.Method, x.URL)
				c.Skipped = &junitSkipped{Message: x.Skipped}
				s.Skipped++
			}
			var out strings.Builder
			for _, fd := range x.Findings {
				if fd.Informational() {
					fmt.Fprintf(&out, "%s: %s (informational)\n", fd.Direction, fd.Detail())
					continue
				}
				c.Failures = append(c.Failures, junitFailure{Message: fd.Detail(), Type: string(fd.Kind),
					Text: fmt.Sprintf("%s: %s\n%s %s", x.Operation, fd.Direction, x.Method, cmp.Or(x.Path, x.URL)) + statusText(fd.Status) + "\n" + fd.Detail()})
			}
			c.SystemOut = out.String()
			if len(c.Failures) > 0 {
				s.Failures++
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Skipped += s.Skipped
		all.Suites = append(all.Suites, s)
	}
	_, _ = io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	_ = enc.Encode(all)
	_, _ = io.WriteString(w, "\n")
}

func statusText(status int) string {
	if status == 0 {
		return ""
	}
	return fmt.Sprintf(" -> %d", status)
}

// entrySecrets are the credentials an entry holds, by where they stand:
// the secret headers' values (a "Bearer" scheme's credential too), the
// secret query parameters' and the secret JSON fields' of either body.
// A recording from the proxy has them masked already; one from a
// browser's devtools has them raw.
func entrySecrets(e *har.Entry) []string {
	var out []string
	add := func(v string) {
		if v = strings.TrimSpace(v); v != "" && v != redact.Mask {
			out = append(out, v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				out = append(out, strings.TrimSpace(cred))
			}
		}
	}
	for _, hs := range [][]har.NameValue{e.Request.Headers, e.Response.Headers} {
		for _, h := range hs {
			if redact.IsSecretHeader(strings.TrimPrefix(h.Name, ":")) {
				add(h.Value)
			}
		}
	}
	if u, err := url.Parse(e.Request.URL); err == nil {
		for k, vs := range u.Query() {
			if redact.IsSecretField(k) {
				for _, v := range vs {
					add(v)
				}
			}
		}
		if pw, ok := u.User.Password(); ok {
			add(pw)
		}
	}
	for _, kv := range e.Request.QueryString {
		if redact.IsSecretField(kv.Name) {
			add(kv.Value)
		}
	}
	if body, err := e.Request.PostDataBytes(); err == nil {
		for _, v := range redact.FieldValues(body) {
			add(v)
		}
	}
	if body, _, err := e.ResponseBody(); err == nil {
		for _, v := range redact.FieldValues(body) {
			add(v)
		}
	}
	return out
}
