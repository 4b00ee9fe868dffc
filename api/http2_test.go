package api_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil"
)

type connKey struct{}

// h2Server is an HTTP/2 server on 127.0.0.1 (TLS, ALPN h2) whose handler
// reads each request's body whole, records it, and then ends the exchange
// without an answer, as fail says: "close" closes the connection under
// the stream, "reset" resets the stream (the handler aborts: RST_STREAM
// INTERNAL_ERROR).
type h2Server struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // method, path and body of each request the handler read
	h2   bool     // every request came over HTTP/2
}

func newH2Server(t *testing.T, fail string) *h2Server {
	t.Helper()
	s := &h2Server{h2: true}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.Path+" "+string(body))
		s.h2 = s.h2 && r.ProtoMajor == 2
		s.mu.Unlock()
		switch fail {
		case "close":
			_ = r.Context().Value(connKey{}).(net.Conn).Close()
			<-r.Context().Done()
		default:
			panic(http.ErrAbortHandler)
		}
	}))
	s.EnableHTTP2 = true
	s.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) }
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the aborted handler's log line
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *h2Server) requests() ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...), s.h2
}

// TestHTTP2PostNeverResentByTheClient: over HTTP/2, a POST whose body the
// server read before the connection died or the stream was reset, with no
// answer, may have been processed: the client's own retries (3 here)
// never send it again, and the call fails with the transport's error. A
// GET in the same conditions is retried (4 attempts), which shows the
// server would see a re-sent POST.
func TestHTTP2PostNeverResentByTheClient(t *testing.T) {
	for _, fail := range []string{"close", "reset"} {
		t.Run("POST, "+fail, func(t *testing.T) {
			srv := newH2Server(t, fail)
			var rec testutil.SleepRecorder
			c := newClient(t, srv.URL, api.WithHTTPClient(srv.Client()), api.WithRetries(3), api.WithRetrySleep(rec.Sleep))
			_, err := c.Configurations.Create(context.Background(), api.ConfigurationParams{AORequired: true})
			if err == nil {
				t.Fatal("the call succeeded without an answer")
			}
			if _, isAPI := errors.AsType[*api.Error](err); isAPI {
				t.Errorf("got an API error for no answer: %v", err)
			}
			seen, h2 := srv.requests()
			if want := "POST " + configsPath + ` {"aoRequired":true}`; len(seen) != 1 || seen[0] != want {
				t.Errorf("requests the handler read: %q, want exactly one: %q", seen, want)
			}
			if !h2 {
				t.Error("not served over HTTP/2")
			}
			if waits := rec.Waits(); len(waits) != 0 {
				t.Errorf("the client waited to retry: %v", waits)
			}
			t.Logf("error: %v", err)
		})
	}
	t.Run("GET, close", func(t *testing.T) {
		srv := newH2Server(t, "close")
		var rec testutil.SleepRecorder
		c := newClient(t, srv.URL, api.WithHTTPClient(srv.Client()), api.WithRetries(3), api.WithRetrySleep(rec.Sleep))
		if err := listCall(context.Background(), c); err == nil {
			t.Fatal("the call succeeded without an answer")
		}
		seen, h2 := srv.requests()
		if len(seen) != 4 || !h2 {
			t.Errorf("requests the handler read: %q (HTTP/2: %v), want 4 over HTTP/2: a GET is retried", seen, h2)
		}
	})
}
