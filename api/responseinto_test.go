package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/finicity-go/connect-components/api"
)

// TestWithResponseInto: the call's response is handed over whatever its
// status, with its headers, and a body that reads as the exact bytes
// received although the client has read it already.
func TestWithResponseInto(t *testing.T) {
	get, post := pick(t, kindGET), pick(t, kindPOST)
	type responseCase struct {
		name    string
		reply   reply
		call    *specCall
		wantErr bool
	}
	withID := func(rp reply, id string) reply {
		rp.header = map[string]string{"X-Request-Id": id}
		return rp
	}
	tests := []responseCase{
		{"2xx", withID(post.okReply(), "req-1"), post, false},
		{"non-2xx", withID(reply{status: 404, body: notFoundJSON}, "req-3"), get, true},
		{"2xx that does not decode", withID(reply{status: get.ok.Code, body: `{"id":`}, "req-4"), get, true},
	}
	if del, ok := pickIf(kindDELETE); ok {
		tests = append(tests, responseCase{"DELETE's success", withID(del.okReply(), "req-2"), del, false})
	}
	// An operation with several successes, answered with one after the
	// first.
	for _, op := range specModel(t).Operations {
		if s := op.Successes(); op.Result != "" && len(s) > 1 && s[1].Code != 0 {
			sc, err := newSpecCall(op, false)
			if err != nil {
				t.Fatalf("%v (%s)", err, testFile())
			}
			_, body, err := answerOf(op, s[1], false)
			if err != nil {
				t.Fatalf("%v (%s)", err, testFile())
			}
			tests = append(tests, responseCase{sc.name() + " " + s[1].Status, withID(reply{status: s[1].Code, body: body}, "req-5"), sc, false})
			break
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, tc.reply)
			var resp *http.Response
			err := tc.call.call(context.Background(), newClient(t, srv.URL), api.WithResponseInto(&resp))
			if (err != nil) != tc.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tc.wantErr)
			}
			if resp == nil {
				t.Fatal("no response handed over")
			}
			if resp.StatusCode != tc.reply.status {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tc.reply.status)
			}
			if got := resp.Header.Get("X-Request-Id"); got != tc.reply.header["X-Request-Id"] {
				t.Errorf("X-Request-Id: got %q", got)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tc.reply.body {
				t.Errorf("body:\n got %q\nwant %q", body, tc.reply.body)
			}
			if err := resp.Body.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}

// TestWithResponseIntoUntouchedWithoutAnAnswer: when no response arrived
// (refused before sending, transport failure), *dst is left as it was.
func TestWithResponseIntoUntouchedWithoutAnAnswer(t *testing.T) {
	dead := newServer(t, func(http.ResponseWriter, *http.Request) {})
	deadURL := dead.URL
	dead.Close()
	type untouchedCase struct {
		name string
		url  string
		opts []api.Option
		call *specCall
	}
	tests := []untouchedCase{
		{"request validation", "", []api.Option{api.WithRequestValidation()}, invalidFormat(t, "not a value of its format").sc},
		{"transport failure", deadURL, []api.Option{api.WithRetries(0)}, pick(t, kindGET)},
	}
	for _, location := range []string{"body", "path"} {
		for _, rc := range requiredCases(t) {
			if rc.want.Location == location {
				tests = append(tests, untouchedCase{"required " + location + " argument unset: " + rc.name, "", nil, rc.sc})
				break
			}
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := countingServer(t)
			url := tc.url
			if url == "" {
				url = srv.URL
			}
			sentinel := &http.Response{StatusCode: 999}
			resp := sentinel
			err := tc.call.call(context.Background(), newClient(t, url, tc.opts...), api.WithResponseInto(&resp))
			if err == nil {
				t.Fatal("no error")
			}
			if resp != sentinel {
				t.Errorf("*dst changed to %+v, want it untouched", resp)
			}
			if hits.Load() != 0 {
				t.Errorf("%d requests reached the server", hits.Load())
			}
		})
	}
}

// TestWithResponseIntoIsTheFinalAnswer: after retries and a token replay,
// the response handed over is the one the call's result comes from.
func TestWithResponseIntoIsTheFinalAnswer(t *testing.T) {
	get := pick(t, kindGET)
	ok := get.okReply()
	t.Run("retried", func(t *testing.T) {
		second := ok
		second.header = map[string]string{"X-Attempt": "2"}
		synctest.Test(t, func(t *testing.T) {
			_, hc := inProcess(reply{status: 503, header: map[string]string{"X-Attempt": "1"}}, second)
			var resp *http.Response
			err := get.call(context.Background(), newClient(t, "http://127.0.0.1", api.WithHTTPClient(hc)), api.WithResponseInto(&resp))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != ok.status || resp.Header.Get("X-Attempt") != "2" {
				t.Errorf("got %d, attempt %s; want the second answer", resp.StatusCode, resp.Header.Get("X-Attempt"))
			}
		})
	})
	t.Run("replayed", func(t *testing.T) {
		ts := &scriptedTokens{tokens: []string{"tok-1", "tok-2"}}
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Finicity-App-Token") == "tok-1" {
				writeReply(w, reply{status: 401, body: expiredJSON})
				return
			}
			second := ok
			second.header = map[string]string{"X-Token": "second"}
			writeReply(w, second)
		})
		c, err := api.NewClient(testKey, api.WithTokenSource(ts), api.WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		var resp *http.Response
		if err := get.call(context.Background(), c, api.WithResponseInto(&resp)); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != ok.status || resp.Header.Get("X-Token") != "second" {
			t.Errorf("got %d %q; want the replay's answer", resp.StatusCode, resp.Header.Get("X-Token"))
		}
	})
}

// TestWithResponseIntoOnResponseValidationFailure: with response
// validation on, an answer off the spec did arrive: WithResponseInto
// promises it "once it arrives, whatever its status", and its status and
// headers (a request id) are what one needs to report the drift.
func TestWithResponseIntoOnResponseValidationFailure(t *testing.T) {
	get := pick(t, kindGET)
	for _, rp := range []reply{
		{status: get.ok.Code, header: map[string]string{"X-Request-Id": "drift-1"}, body: wrongKind(get.ok.Schema)},
		{status: undocumented(get.op), header: map[string]string{"X-Request-Id": "drift-2"}, body: `{}`},
	} {
		srv := newScripted(t, rp)
		var resp *http.Response
		err := get.call(context.Background(), newClient(t, srv.URL, api.WithResponseValidation(), api.WithRetries(0)), api.WithResponseInto(&resp))
		if _, ok := errors.AsType[*api.ValidationError](err); !ok {
			t.Fatalf("%d: got %v, want a *ValidationError", rp.status, err)
		}
		if resp == nil {
			t.Errorf("%d: the answer arrived but WithResponseInto left *dst nil", rp.status)
			continue
		}
		if resp.StatusCode != rp.status || resp.Header.Get("X-Request-Id") != rp.header["X-Request-Id"] {
			t.Errorf("%d: got %d %q", rp.status, resp.StatusCode, resp.Header.Get("X-Request-Id"))
		}
	}
}

// TestWithResponseIntoBodyAfterMiddlewareRead: a middleware may read the
// body (Middleware's documentation says so); the caller's copy must still
// read as the exact bytes received.
func TestWithResponseIntoBodyAfterMiddlewareRead(t *testing.T) {
	post := pick(t, kindPOST)
	srv := newScripted(t, post.okReply())
	var seen []byte
	reader := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err == nil {
				seen, err = io.ReadAll(resp.Body)
			}
			return resp, err
		})
	}
	var resp *http.Response
	got, err := post.result(context.Background(), newClient(t, srv.URL, api.WithMiddleware(reader)), api.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if string(seen) != post.answer {
		t.Errorf("middleware read %q", seen)
	}
	checkResult(t, post.op, post.ok, got, post.answerValue)
	body, _ := io.ReadAll(resp.Body)
	if string(body) != post.answer {
		t.Errorf("caller's body after the middleware read it:\n got %q\nwant %q", body, post.answer)
	}
}
