package api_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/finicity-go/connect-components/api"
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
			c := newClient(t, srv.URL, api.WithHTTPClient(srv.Client()), api.WithRetries(3))
			post := pick(t, kindPOST)
			err := post.call(context.Background(), c)
			if err == nil {
				t.Fatal("the call succeeded without an answer")
			}
			if _, isAPI := errors.AsType[*api.Error](err); isAPI {
				t.Errorf("got an API error for no answer: %v", err)
			}
			seen, h2 := srv.requests()
			if want := "POST " + post.urlPath() + " "; len(seen) != 1 || !strings.HasPrefix(seen[0], want) {
				t.Errorf("requests the handler read: %q, want exactly one %q", seen, want)
			}
			if !h2 {
				t.Error("not served over HTTP/2")
			}
			t.Logf("error: %v", err)
		})
	}
	t.Run("GET, close", func(t *testing.T) {
		srv := newH2Server(t, "close")
		// Waits of a millisecond: the server is real, so is the clock.
		c := newClient(t, srv.URL, api.WithHTTPClient(srv.Client()), api.WithRetries(3), api.WithRetryBackoff(time.Millisecond, time.Millisecond))
		if err := listCall(context.Background(), c); err == nil {
			t.Fatal("the call succeeded without an answer")
		}
		seen, h2 := srv.requests()
		if len(seen) != 4 || !h2 {
			t.Errorf("requests the handler read: %q (HTTP/2: %v), want 4 over HTTP/2: a GET is retried", seen, h2)
		}
	})
}

// rawH2Server is an HTTP/2 server on 127.0.0.1 written frame by frame,
// to send what Go's server never does on its own: it refuses the first
// request it reads whole (refuse), and answers every later one 201. It
// records each request it read whole.
type rawH2Server struct {
	answer string // the body of every 201
	url    string
	client *http.Client
	mu     sync.Mutex
	seen   []string
	conns  int
}

func newRawH2Server(t *testing.T, answer string, refuse func(fr *http2.Framer, stream uint32) error) *rawH2Server {
	t.Helper()
	// A TLS server of net/http lends its certificate, for 127.0.0.1, and
	// a client that trusts it and speaks HTTP/2.
	lender := httptest.NewUnstartedServer(http.NotFoundHandler())
	lender.EnableHTTP2 = true
	lender.StartTLS()
	t.Cleanup(lender.Close)
	cfg := &tls.Config{Certificates: lender.TLS.Certificates, NextProtos: []string{"h2"}}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &rawH2Server{answer: answer, url: "https://" + ln.Addr().String(), client: lender.Client()}
	var wg sync.WaitGroup
	var open []net.Conn
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range open {
			c.Close()
		}
		s.mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			open = append(open, conn)
			s.mu.Unlock()
			wg.Go(func() {
				defer conn.Close()
				s.serve(conn, refuse)
			})
		}
	})
	return s
}

func (s *rawH2Server) serve(conn net.Conn, refuse func(fr *http2.Framer, stream uint32) error) {
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(conn, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(conn, conn)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if fr.WriteSettings() != nil {
		return
	}
	type request struct {
		method, path string
		body         []byte
	}
	open := map[uint32]*request{}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		var done *request
		var stream uint32
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = fr.WriteSettingsAck()
			}
			continue
		case *http2.MetaHeadersFrame:
			stream = f.StreamID
			r := &request{method: f.PseudoValue("method"), path: f.PseudoValue("path")}
			open[stream] = r
			if f.StreamEnded() {
				done = r
			}
		case *http2.DataFrame:
			stream = f.StreamID
			r := open[stream]
			if r == nil {
				continue
			}
			r.body = append(r.body, f.Data()...)
			if f.StreamEnded() {
				done = r
			}
		default:
			continue
		}
		if done == nil {
			continue
		}
		delete(open, stream)
		s.mu.Lock()
		s.seen = append(s.seen, done.method+" "+done.path+" "+string(done.body))
		first := len(s.seen) == 1
		s.mu.Unlock()
		if first {
			if refuse(fr, stream) != nil {
				return
			}
			continue
		}
		var block bytes.Buffer
		enc := hpack.NewEncoder(&block)
		_ = enc.WriteField(hpack.HeaderField{Name: ":status", Value: "201"})
		_ = enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/json"})
		if fr.WriteHeaders(http2.HeadersFrameParam{StreamID: stream, BlockFragment: block.Bytes(), EndHeaders: true}) != nil ||
			fr.WriteData(stream, true, []byte(s.answer)) != nil {
			return
		}
	}
}

func (s *rawH2Server) requests() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...), s.conns
}

// TestHTTP2TransportResendsRefusedPOST pins what the README states about
// HTTP/2: below the client, Go's HTTP/2 transport sends a POST again by
// itself, with the client's retries off (WithRetries(0)), when the server
// refuses the stream (RST_STREAM REFUSED_STREAM), says it did not process
// it (GOAWAY with a last stream id below it), or resets it with
// PROTOCOL_ERROR. The first two say the request was not processed (RFC
// 9113, section 8.7); the third does not, so a server that resets a POST
// it processed with PROTOCOL_ERROR receives it twice. Any other reset
// (INTERNAL_ERROR, CANCEL, ...) or a lost connection is not re-sent
// (TestHTTP2PostNeverResentByTheClient).
func TestHTTP2TransportResendsRefusedPOST(t *testing.T) {
	for _, tc := range []struct {
		name      string
		refuse    func(fr *http2.Framer, stream uint32) error
		wantConns int // 0: any
	}{
		{"REFUSED_STREAM", func(fr *http2.Framer, stream uint32) error {
			return fr.WriteRSTStream(stream, http2.ErrCodeRefusedStream)
		}, 1},
		{"GOAWAY below the stream", func(fr *http2.Framer, stream uint32) error {
			if err := fr.WriteGoAway(stream-1, http2.ErrCodeNo, nil); err != nil {
				return err
			}
			return errors.New("gone away") // the connection closes
		}, 2},
		{"PROTOCOL_ERROR", func(fr *http2.Framer, stream uint32) error { return fr.WriteRSTStream(stream, http2.ErrCodeProtocol) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call := pick(t, kindPOST)
			srv := newRawH2Server(t, call.answer, tc.refuse)
			c := newClient(t, srv.url, api.WithHTTPClient(srv.client), api.WithRetries(0))
			if err := call.call(context.Background(), c); err != nil {
				t.Fatalf("%s: %v", call.name(), err)
			}
			seen, conns := srv.requests()
			post := "POST " + call.urlPath() + " "
			if len(seen) != 2 || !strings.HasPrefix(seen[0], post) || seen[1] != seen[0] || (tc.wantConns != 0 && conns != tc.wantConns) {
				t.Errorf("the server read %q over %d connection(s), want the POST twice over %d", seen, conns, tc.wantConns)
			}
		})
	}
}
