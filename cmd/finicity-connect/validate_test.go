package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/cli"
)

// recording is a HAR of one list of configurations, with the app key
// and token headers or without.
func recording(credentials bool) string {
	headers := `[]`
	if credentials {
		headers = `[{"name":"Finicity-App-Key","value":"k"},{"name":"Finicity-App-Token","value":"t"}]`
	}
	return `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[{"startedDateTime":"2026-03-02T10:00:00.000Z","time":1,` +
		`"request":{"method":"GET","url":"https://api.finicity.com/connect-components/configurations","httpVersion":"HTTP/1.1","headers":` + headers + `,"queryString":[],"cookies":[]},` +
		`"response":{"status":200,"httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"application/json"}],"content":{"size":2,"mimeType":"application/json","text":"[]"}}}]}}`
}

// TestValidateExit: validate exits 0 on a recording that keeps to the
// spec, 1 on one that does not, saying how many violations; the report
// (internal/harcheck's tests cover it) goes to stdout.
func TestValidateExit(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.har"), filepath.Join(dir, "bad.har")
	for path, content := range map[string]string{good: recording(true), bad: recording(false)} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cliRun(t, nil, "validate", good).Expect(t, cli.ExitOK, []string{good + "\n  ok    #1 Configurations.List GET /connect-components/configurations -> 200\n"}, []string{""})
	o := cliRun(t, nil, "validate", good, bad)
	o.Expect(t, cli.ExitAPI, []string{"  FAIL  #1 Configurations.List GET /connect-components/configurations -> 200\n"}, nil)
	if !strings.HasPrefix(o.Stderr, "finicity-connect validate: ") || !strings.HasSuffix(o.Stderr, " violation(s) of the spec in 1 exchange(s)\n") {
		t.Errorf("stderr %q", o.Stderr)
	}
}

// TestValidateUsage: exit 2 for a usage error or an input that cannot be
// read, naming it; - reads stdin; --output writes the report to a file;
// --help shows validate's own exit codes.
func TestValidateUsage(t *testing.T) {
	dir := t.TempDir()
	notHAR := filepath.Join(dir, "not.har")
	if err := os.WriteFile(notHAR, []byte(`{"entries":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "finicity-connect validate: no HAR file: give one or more, or - for stdin\nRun 'finicity-connect validate --help' for usage.\n"},
		{[]string{"validate", "--format", "xml", notHAR}, `finicity-connect validate: invalid --format "xml": want text, json or junit` + "\nRun 'finicity-connect validate --help' for usage.\n"},
		{[]string{"validate", filepath.Join(dir, "missing.har")}, "finicity-connect validate: cannot read " + filepath.Join(dir, "missing.har") + ": no such file or directory\n"},
		{[]string{"validate", notHAR}, "finicity-connect validate: cannot read " + notHAR + `: not a HAR file: no "log"` + "\n"},
		{[]string{"validate", "--base-url", "api.finicity.com", notHAR}, "finicity-connect validate: invalid --base-url: want an absolute http(s) URL"},
		{[]string{"validate", "-", "-"}, "finicity-connect validate: - is given twice: stdin can be read once\nRun 'finicity-connect validate --help' for usage.\n"},
		{[]string{"validate", "--output", filepath.Join(dir, "missing", "r.txt"), "-"}, "finicity-connect validate: cannot write --output: no such file or directory\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), tc.args, strings.NewReader(recording(true)), &stdout, &stderr, func(string) string { return "" })
		if code != cli.ExitUsage || !strings.HasPrefix(stderr.String(), tc.want) || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want 2 and %q", tc.args, code, stderr.String(), stdout.String(), tc.want)
		}
	}

	var stdout, stderr bytes.Buffer
	report := filepath.Join(dir, "report.xml")
	code := run(t.Context(), []string{"validate", "--format", "junit", "--output", report, "-"}, strings.NewReader(recording(true)), &stdout, &stderr, func(string) string { return "" })
	written, err := os.ReadFile(report)
	if code != cli.ExitOK || stdout.Len() != 0 || stderr.Len() != 0 || err != nil {
		t.Fatalf("stdin to --output: exit %d, stdout %q, stderr %q, %v", code, stdout.String(), stderr.String(), err)
	}
	if !strings.Contains(string(written), `<testsuite name="-" tests="1" failures="0" skipped="0">`) {
		t.Errorf("report from stdin: %s", written)
	}

	help := cliRun(t, nil, "validate", "--help")
	help.Expect(t, cli.ExitOK, []string{"\nExit codes:\n  0  no violation", "\n  1  at least one violation", "\n  2  usage error"}, []string{""})
}
