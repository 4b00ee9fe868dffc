package connecttest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/spec"
)

// exchange is one recorded exchange: a call and its answer.
type exchange struct {
	c      call
	status int
	body   []byte // the answer's JSON; nil for none
}

// answerOf is the call's first documented success, with its example (a
// value made from its schema when it has none): what the API answered.
func answerOf(t *testing.T, c call) exchange {
	t.Helper()
	ok := c.op.Successes()[0]
	x := exchange{c: c, status: ok.Code}
	if ok.JSON && ok.Schema != nil {
		v, found := ok.Example()
		if !found {
			if v, found = spec.Synthesize(ok.Schema, true); !found {
				t.Fatalf("%s: the %s answer of %s has no example, and none can be made", at(ok.Pointer), ok.Status, c.op.Name())
			}
		}
		x.body = mustJSON(v)
	}
	return x
}

// record writes exchanges as a recording of the API at base, as the
// proxy writes one.
func record(t *testing.T, base string, exchanges []exchange) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "recorded.har")
	w, err := har.Create(path, har.Creator{Name: "a test", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range exchanges {
		e := har.Entry{
			Request: har.Request{Method: x.c.op.Method, URL: base + x.c.path(), HTTPVersion: "HTTP/1.1",
				Headers: []har.NameValue{{Name: "Finicity-App-Key", Value: "[REDACTED]"}}},
			Response: har.Response{Status: x.status, HTTPVersion: "HTTP/1.1", Content: har.TextContent("application/json", x.body)},
		}
		if x.body != nil {
			e.Response.Headers = []har.NameValue{{Name: "Content-Type", Value: "application/json"}, {Name: "Content-Length", Value: "1"}}
		}
		if b := x.c.body(); b != nil {
			e.Request.PostData = &har.PostData{MimeType: "application/json", Text: string(b)}
		}
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReplay: with a recording, every operation of the spec is answered
// with its recorded answer (here each one's documented example), decoded
// by the client as the live API's; two answers of the same request come
// in the order recorded; the requests are still checked against the
// spec; a request with no recorded answer left fails the test, naming
// the nearest recorded request.
func TestReplay(t *testing.T) {
	var exchanges []exchange
	for _, op := range model().Operations {
		exchanges = append(exchanges, answerOf(t, callOf(t, op)))
	}
	list := callOf(t, listOp(t))
	// The list, recorded twice more: a 503, then its answer.
	exchanges = append(exchanges, exchange{c: list, status: http.StatusServiceUnavailable,
		body: []byte(`{"Errors":{"Error":[{"ReasonCode":"503","Description":"Service Unavailable.","Recoverable":true}]}}`)}, answerOf(t, list))
	file := record(t, "https://api.finicity.com", exchanges)

	ft := &fakeT{TB: t}
	srv := connecttest.NewServer(ft, connecttest.WithRecording(file))
	c := srv.Client(api.WithRetries(0))
	ctx := context.Background()
	for _, x := range exchanges[:len(model().Operations)] {
		res, err := x.c.result(ctx, c)
		if err != nil {
			t.Errorf("%s: %v", x.c.op.Name(), err)
			continue
		}
		if x.body == nil || x.c.op.Result != "" || res == nil {
			continue // no body, or an answer of several shapes: decoded by status
		}
		got := reflect.ValueOf(res)
		if got.Kind() == reflect.Pointer {
			got = got.Elem()
		}
		want := reflect.New(got.Type())
		if err := json.Unmarshal(x.body, want.Interface()); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Interface(), want.Elem().Interface()) {
			t.Errorf("%s: got %+v, want the recorded %s", x.c.op.Name(), res, x.body)
		}
	}
	// In the order recorded: the list's first answer (given above), then
	// the 503, then its last.
	if e, ok := errors.AsType[*api.Error](list.do(ctx, c)); !ok || e.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("list again: %v, want the recorded 503", e)
	}
	if err := list.do(ctx, c); err != nil {
		t.Errorf("list a third time: %v, want the recorded answer", err)
	}
	if errs, fatals := ft.reported(); errs != nil || fatals != nil {
		t.Fatalf("reported %q %q", errs, fatals)
	}

	// All used: the test fails, and the server answers itself.
	if err := list.do(ctx, c); err != nil {
		t.Errorf("list past the recording: %v, want the server's own answer", err)
	}
	// Another id: the nearest recorded request is named.
	get := callOf(t, actionOp(t, "get"))
	other := get.withPath(len(get.args.Path)-1, uuid.NewString())
	_ = other.do(ctx, c)
	// Off the spec: the check still holds.
	withBody, field := objectBody(t, "an optional top-level field", func(f *spec.Field) bool { return len(f.Path) == 1 && !f.Required })
	misspelling := misspelt(t, field.Path[0])
	req := withBody.request(t, mustJSON(setField(setField(withBody.args.Body, field.Path, nil, true), []string{misspelling}, 1, false)))
	send(t, srv, req)

	errs, _ := ft.reported()
	for i := range errs {
		errs[i] = callerAt.ReplaceAllString(errs[i], "")
	}
	getEntry := 0
	for i, x := range exchanges {
		if x.c.op == get.op {
			getEntry = i + 1
		}
	}
	want := []string{
		fmt.Sprintf("all 3 recorded answer(s) of GET %s in %s were given already (the server answered it itself)", list.path(), file),
		fmt.Sprintf("no recorded answer for GET %s in %s; the nearest recorded request is GET %s (entry %d) (the server answered it itself)", other.path(), file, get.path(), getEntry),
		withBody.op.Name() + ": request breaks the API spec: body " + misspelling + ": unknown field: not defined by the spec (names are exact and case-sensitive)\n" +
			"\t(" + withBody.op.Method + " " + withBody.op.Path + "; the server answers from the recording; NewServer(t, connecttest.AllowUnknownFields()) accepts fields and query parameters the spec does not define, sent on purpose)",
		fmt.Sprintf("all 1 recorded answer(s) of %s %s in %s were given already (the server answered it itself)", withBody.op.Method, withBody.path(), file),
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("reported:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}

// TestReplayRefusesUnusableRecordings: a file that cannot be read, or an
// answer whose body the recording did not keep, fails the test at once.
func TestReplayRefusesUnusableRecordings(t *testing.T) {
	dir := t.TempDir()
	list := callOf(t, listOp(t))
	x := answerOf(t, list)
	path := record(t, "http://127.0.0.1:4010", []exchange{x})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	content := f["log"].(map[string]any)["entries"].([]any)[0].(map[string]any)["response"].(map[string]any)["content"].(map[string]any)
	delete(content, "text")
	bodiless := filepath.Join(dir, "bodiless.har")
	if err := os.WriteFile(bodiless, mustJSON(f), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.har"): "open " + filepath.Join(dir, "missing.har") + ": no such file or directory",
		bodiless:                          "entry 1 (GET " + list.path() + "): the answer's body is not in the file",
	} {
		ft := &fakeT{TB: t}
		if srv := connecttest.NewServer(ft, connecttest.WithRecording(file)); srv != nil {
			t.Errorf("%s: got a server", file)
		}
		if _, fatals := ft.reported(); len(fatals) != 1 || !strings.HasPrefix(fatals[0], fmt.Sprintf("connecttest: WithRecording(%q): %s", file, want)) {
			t.Errorf("%s: %q, want %q", file, fatals, want)
		}
	}
}
