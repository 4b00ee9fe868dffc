package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

// validateCommand is finicity-connect validate: every exchange of HAR
// files checked against the embedded spec, offline, with the checker the
// proxy uses (internal/validation); a report as text, JSON or JUnit XML;
// exit 1 on any violation.
func validateCommand(fs *flag.FlagSet) func(context.Context, *invocation) error {
	format := fs.String("format", "text", "the report's format: text, json, or junit (JUnit XML, which CI systems show as tests)")
	output := fs.String("output", "", "write the report to this file instead of stdout")
	baseURL := fs.String("base-url", "", "the API's base URL in the recordings (scheme, host, optional path); default: the spec's servers, and any host for a path the spec has")
	return func(ctx context.Context, in *invocation) error {
		if len(in.args) == 0 {
			return usagef("no HAR file: give one or more, or - for stdin")
		}
		switch *format {
		case "text", "json", "junit":
		default:
			return usagef("invalid --format %q: want text, json or junit", *format)
		}
		v, err := specdoc.Validator()
		if err != nil {
			return err
		}
		scope, err := har.NewScope(v, *baseURL)
		if err != nil {
			return usagef("invalid --base-url: %v", err)
		}
		files, err := readHARs(in.args, in.stdin)
		if err != nil {
			return err
		}
		rep := validateReport{Files: []validatedFile{}}
		var secrets []string
		for i, f := range files {
			vf := validatedFile{File: in.args[i], Exchanges: []validatedExchange{}}
			for n := range f.Log.Entries {
				e := &f.Log.Entries[n]
				secrets = append(secrets, entrySecrets(e)...)
				vf.Exchanges = append(vf.Exchanges, checkEntry(ctx, v, scope, n+1, e))
			}
			rep.Files = append(rep.Files, vf)
		}
		rep.total()
		var b bytes.Buffer
		switch *format {
		case "json":
			enc := json.NewEncoder(&b)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep.masked(secrets)); err != nil {
				return err
			}
		case "junit":
			rep.masked(secrets).junit(&b)
		default:
			rep.masked(secrets).text(&b)
		}
		// The last line of defence: whatever a file held is masked in any
		// form, wherever the report quotes it.
		out := redact.Text(b.String(), secrets...)
		if err := writeReport(*output, in.stdout, out); err != nil {
			return err
		}
		if rep.Totals.Violations > 0 {
			return exitWith(exitAPI, "%d violation(s) of the spec in %d exchange(s)", rep.Totals.Violations, rep.Totals.Failed)
		}
		return nil
	}
}

// readHARs reads every file ("-": stdin, once); a file that cannot be
// read or is not a HAR ends the run with exit 2, naming it.
func readHARs(paths []string, stdin io.Reader) ([]*har.File, error) {
	if n := slices.Index(paths, "-"); n >= 0 && slices.Contains(paths[n+1:], "-") {
		return nil, usagef("- is given twice: stdin can be read once")
	}
	var files []*har.File
	for _, p := range paths {
		var f *har.File
		var err error
		if p == "-" {
			f, err = har.Read(stdin)
		} else {
			f, err = har.ReadFile(p)
		}
		if err != nil {
			return nil, exitWith(exitUsage, "cannot read %s: %v", p, unwrapPath(err))
		}
		files = append(files, f)
	}
	return files, nil
}

// writeReport writes the report to path, or to stdout without one. A
// file that cannot be made is a usage error (2); a write that fails, an
// output error (4).
func writeReport(path string, stdout io.Writer, report string) error {
	if path == "" {
		_, err := io.WriteString(stdout, report)
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return usagef("cannot write --output: %v", unwrapPath(err))
	}
	if _, err := io.WriteString(f, report); err != nil {
		_ = f.Close()
		return &outputError{err: err}
	}
	if err := f.Close(); err != nil {
		return &outputError{err: err}
	}
	return nil
}

// validateReport is what validate prints.
type validateReport struct {
	Files  []validatedFile `json:"files"`
	Totals validateTotals  `json:"totals"`
}

type validatedFile struct {
	File      string              `json:"file"`
	Exchanges []validatedExchange `json:"exchanges"`
}

// validatedExchange is one entry of a file: checked, or skipped.
type validatedExchange struct {
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

type validateTotals struct {
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
func checkEntry(ctx context.Context, v *validation.Validator, scope *har.Scope, n int, e *har.Entry) validatedExchange {
	x := validatedExchange{Entry: n, Method: strings.ToUpper(e.Request.Method), URL: withoutQuery(e.Request.URL), Status: e.Response.Status, Findings: []validation.Finding{}}
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
func (r *validateReport) total() {
	r.Totals = validateTotals{Files: len(r.Files)}
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
func (r validateReport) masked(secrets []string) validateReport {
	mask := func(s string) string { return redact.Text(s, secrets...) }
	out := validateReport{Totals: r.Totals, Files: make([]validatedFile, len(r.Files))}
	for i, f := range r.Files {
		mf := validatedFile{File: mask(f.File), Exchanges: make([]validatedExchange, len(f.Exchanges))}
		for j, x := range f.Exchanges {
			x.URL, x.Path, x.Skipped, x.Method = mask(x.URL), mask(x.Path), mask(x.Skipped), mask(x.Method)
			fs := make([]validation.Finding, len(x.Findings))
			for k, fd := range x.Findings {
				fd.Rule, fd.Field, fd.In, fd.Location = mask(fd.Rule), mask(fd.Field), mask(fd.In), mask(fd.Location)
				fs[k] = fd
			}
			x.Findings = fs
			mf.Exchanges[j] = x
		}
		out.Files[i] = mf
	}
	return out
}

// name is how the report names an exchange: its operation and its
// request line, or its request line alone.
func (x validatedExchange) name() string {
	line := x.Method + " " + x.URL
	if x.Path != "" {
		line = x.Method + " " + x.Path
	}
	if x.Operation.Method != "" {
		return x.Operation.Method + " " + line
	}
	return line
}

func (x validatedExchange) violations() int {
	return len(validation.Violations(x.Findings))
}

// text is the report for people: one line per exchange, its findings
// below it, then the totals.
func (r validateReport) text(w io.Writer) {
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
func (r validateReport) junit(w io.Writer) {
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
