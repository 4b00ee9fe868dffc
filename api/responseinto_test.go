package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestWithResponseInto: the call's response is handed over whatever its
// status, with its headers, and a body that reads as the exact bytes
// received although the client has read it already.
func TestWithResponseInto(t *testing.T) {
	tests := []struct {
		name    string
		reply   reply
		call    func(ctx context.Context, c *api.Client, opt api.CallOption) error
		wantErr bool
	}{
		{"2xx", reply{status: 201, header: map[string]string{"X-Request-Id": "req-1"}, body: configJSON},
			func(ctx context.Context, c *api.Client, opt api.CallOption) error {
				_, err := c.Configurations.Create(ctx, api.ConfigurationParams{}, opt)
				return err
			}, false},
		{"204 without a body", reply{status: 204, header: map[string]string{"X-Request-Id": "req-2"}},
			func(ctx context.Context, c *api.Client, opt api.CallOption) error {
				return c.Configurations.Delete(ctx, cfgID, opt)
			}, false},
		{"non-2xx", reply{status: 404, header: map[string]string{"X-Request-Id": "req-3"}, body: notFoundJSON},
			func(ctx context.Context, c *api.Client, opt api.CallOption) error {
				_, err := c.Configurations.Get(ctx, cfgID, opt)
				return err
			}, true},
		{"2xx that does not decode", reply{status: 200, header: map[string]string{"X-Request-Id": "req-4"}, body: `{"id":`},
			func(ctx context.Context, c *api.Client, opt api.CallOption) error {
				_, err := c.Configurations.Get(ctx, cfgID, opt)
				return err
			}, true},
		{"203 reconnection", reply{status: 203, header: map[string]string{"X-Request-Id": "req-5"}, body: mfaJSON},
			func(ctx context.Context, c *api.Client, opt api.CallOption) error {
				_, err := c.Reconnections.Create(ctx, "1", 3, api.ReconnectionParams{}, opt)
				return err
			}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, tc.reply)
			var resp *http.Response
			err := tc.call(context.Background(), newClient(t, srv.URL), api.WithResponseInto(&resp))
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
	tests := []struct {
		name string
		url  string
		opts []api.Option
		call func(ctx context.Context, c *api.Client, opt api.CallOption) error
	}{
		{"required field unset", "", nil, func(ctx context.Context, c *api.Client, opt api.CallOption) error {
			_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{}, opt)
			return err
		}},
		{"required path parameter unset", "", nil, func(ctx context.Context, c *api.Client, opt api.CallOption) error {
			return c.Configurations.Delete(ctx, api.UUID{}, opt)
		}},
		{"request validation", "", []api.Option{api.WithRequestValidation()}, func(ctx context.Context, c *api.Client, opt api.CallOption) error {
			p := oauthParams
			p.RedirectURI = "not a uri"
			_, err := c.OAuthURLs.Create(ctx, 1, p, opt)
			return err
		}},
		{"transport failure", deadURL, []api.Option{api.WithRetries(0)}, func(ctx context.Context, c *api.Client, opt api.CallOption) error {
			_, err := c.Configurations.List(ctx, opt)
			return err
		}},
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
			err := tc.call(context.Background(), newClient(t, url, tc.opts...), api.WithResponseInto(&resp))
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
	t.Run("retried", func(t *testing.T) {
		srv := newScripted(t, reply{status: 503, header: map[string]string{"X-Attempt": "1"}}, reply{status: 200, header: map[string]string{"X-Attempt": "2"}, body: "[]"})
		var rec testutil.SleepRecorder
		var resp *http.Response
		_, err := newClient(t, srv.URL, api.WithRetrySleep(rec.Sleep)).Configurations.List(context.Background(), api.WithResponseInto(&resp))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("X-Attempt") != "2" {
			t.Errorf("got %d, attempt %s; want the second answer", resp.StatusCode, resp.Header.Get("X-Attempt"))
		}
	})
	t.Run("replayed", func(t *testing.T) {
		ts := &scriptedTokens{tokens: []string{"tok-1", "tok-2"}}
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Finicity-App-Token") == "tok-1" {
				writeReply(w, reply{status: 401, body: expiredJSON})
				return
			}
			writeReply(w, reply{status: 200, header: map[string]string{"X-Token": "second"}, body: "[]"})
		})
		c, err := api.NewClient(testKey, api.WithTokenSource(ts), api.WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		var resp *http.Response
		if _, err := c.Configurations.List(context.Background(), api.WithResponseInto(&resp)); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("X-Token") != "second" {
			t.Errorf("got %d %q; want the replay's answer", resp.StatusCode, resp.Header.Get("X-Token"))
		}
	})
}

// TestWithResponseIntoOnResponseValidationFailure: with response
// validation on, an answer off the spec did arrive: WithResponseInto
// promises it "once it arrives, whatever its status", and its status and
// headers (a request id) are what one needs to report the drift.
func TestWithResponseIntoOnResponseValidationFailure(t *testing.T) {
	for _, rp := range []reply{
		{status: 200, header: map[string]string{"X-Request-Id": "drift-1"}, body: `[{"id":"not-a-uuid"}]`},
		{status: 500, header: map[string]string{"X-Request-Id": "drift-2"}, body: `{}`},
	} {
		srv := newScripted(t, rp)
		var resp *http.Response
		_, err := newClient(t, srv.URL, api.WithResponseValidation(), api.WithRetries(0)).Configurations.List(context.Background(), api.WithResponseInto(&resp))
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
	srv := newScripted(t, reply{status: 201, body: configJSON})
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
	cfg, err := newClient(t, srv.URL, api.WithMiddleware(reader)).Configurations.Create(context.Background(), api.ConfigurationParams{}, api.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if string(seen) != configJSON {
		t.Errorf("middleware read %q", seen)
	}
	if cfg.ID != cfgID {
		t.Errorf("decoded %+v", cfg)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != configJSON {
		t.Errorf("caller's body after the middleware read it:\n got %q\nwant %q", body, configJSON)
	}
}
