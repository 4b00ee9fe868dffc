package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// recordingTB records what a check reports instead of failing the test.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recordingTB) Fatalf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }

// TestSpecChecksCanFail: the checks the spec-driven tests rest on report
// a difference: a body, a path, a query or a header other than the
// examples', a decoded value other than the answer's; and agree where
// the typed models cannot tell two values apart.
func TestSpecChecksCanFail(t *testing.T) {
	date := schemaRef(`{"type":"object","properties":{"at":{"type":"string","format":"date-time"},"on":{"type":"boolean"},"n":{"type":"object","properties":{"s":{"type":"string"}}},"l":{"type":"array","items":{"type":"integer"}}}}`)
	for _, tc := range []struct {
		got, want string
		same      bool
	}{
		{`{"at":"2024-11-28T18:25:32Z"}`, `{"at":"2024-11-28T18:25:32+00:00"}`, true},
		{`{}`, `{"on":false,"l":[],"n":{}}`, true},
		{`{"n":{"s":null}}`, `{"n":{"s":""}}`, true},
		{`{"at":"2024-11-28T18:25:33Z"}`, `{"at":"2024-11-28T18:25:32Z"}`, false},
		{`{"on":true}`, `{}`, false},
		{`{"n":{"s":"x"}}`, `{"n":{"s":"y"}}`, false},
		{`{"n":{}}`, `{"n":{"s":"y"}}`, false},
		{`{"l":[1,2]}`, `{"l":[1]}`, false},
		{`{"l":[1,3]}`, `{"l":[1,2]}`, false},
		{`{"extra":"x"}`, `{}`, false},
		{`[]`, `{"on":true}`, false},
	} {
		d := diffJSON(date, jsonValue(tc.got), jsonValue(tc.want), "")
		if (d == "") != tc.same {
			t.Errorf("diffJSON(%s, %s) = %q, want same %v", tc.got, tc.want, d, tc.same)
		}
	}

	post := pick(t, kindPOST)
	var sent *http.Request
	var body []byte
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sent, body = r.Clone(context.Background()), nil
		body, _ = io.ReadAll(r.Body)
		writeReply(w, post.okReply())
	})
	got, err := post.result(context.Background(), newClient(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, r *http.Request, body []byte, token string, wantErrors bool) {
		t.Helper()
		rec := &recordingTB{TB: t}
		post.checkSent(rec, r, body, token)
		if (len(rec.errors) > 0) != wantErrors {
			t.Errorf("%s: checkSent reported %q, want errors %v", name, rec.errors, wantErrors)
		}
	}
	check("the request sent", sent, body, testToken, false)
	check("another token", sent, body, "other-token", true)
	// The example with one field it sets changed: to "x" for a string,
	// else left out.
	other := exampleBody(t, post.op, nil)
	for _, f := range post.op.Body.Fields {
		if !isZeroJSON(schemaOf(f.Schema), valueAt(other, f.Path)) {
			if schemaOf(f.Schema).Type.Is("string") {
				other = setJSON(other, f.Path, "x")
			} else {
				other = deleteJSON(other, f.Path)
			}
			break
		}
	}
	check("another body", sent, mustJSON(other), testToken, true)
	check("no body", sent, nil, testToken, true)
	moved := sent.Clone(context.Background())
	moved.URL.Path += "/more"
	check("another path", moved, body, testToken, true)
	queried := sent.Clone(context.Background())
	queried.URL.RawQuery = "extra=1"
	check("a query parameter", queried, body, testToken, true)
	headed := sent.Clone(context.Background())
	headed.Header.Set("X-Extra", "1")
	check("another header", headed, body, testToken, true)
	agentless := sent.Clone(context.Background())
	agentless.Header.Del("User-Agent")
	check("no User-Agent", agentless, body, testToken, true)

	rec := &recordingTB{TB: t}
	checkResult(rec, post.op, post.ok, got, post.answerValue)
	if len(rec.errors) != 0 {
		t.Errorf("checkResult of the answer: %q", rec.errors)
	}
	if changed, ok := offFormat(post.ok.Schema, post.answerValue); ok {
		checkResult(rec, post.op, post.ok, got, changed)
		if len(rec.errors) == 0 {
			t.Error("checkResult did not report a value other than the answer's")
		}
	} else {
		t.Logf("%s's answer holds no formatted string: checkResult's refusal is not tried", post.name())
	}
	if !strings.Contains(testFile(), "specops_self_test.go") {
		t.Errorf("testFile() = %q, want this file", testFile())
	}
}

// valueAt is the member of a JSON value at path, nil when there is none.
func valueAt(v any, path []string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}
