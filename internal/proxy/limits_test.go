package proxy_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/internal/listen"
	"github.com/finicity-go/connect-components/internal/proxy"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// serveLimited serves a proxy to upstream on 127.0.0.1 under limits, as
// the proxy command does, until the test ends; it returns its URL.
func serveLimited(t *testing.T, upstream string, limits listen.Limits) string {
	t.Helper()
	r := &running{}
	p, err := proxy.New(r.options(t, upstream))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := listen.Listen("127.0.0.1:0", limits.MaxConnections)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- p.Serve(ctx, ln, limits, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		_ = p.Close()
	})
	return "http://" + ln.Addr().String()
}

// TestProxyTimeouts: the proxy cuts a client whose headers do not come
// within the header timeout, and answers 408 to one whose body does not
// come within the read timeout, then closes its connection; an upstream
// slower than the read timeout is still waited for (up to the proxy's
// timeout): the wait for upstream is not the client's to bound.
func TestProxyTimeouts(t *testing.T) {
	const slow = 600 * time.Millisecond
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("slow") != "" {
			// A slow upstream: a fault injected, not a synchronisation.
			select {
			case <-time.After(slow):
			case <-r.Context().Done():
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	}))
	t.Cleanup(upstream.Close)
	limits := listen.Defaults
	limits.HeaderTimeout, limits.ReadTimeout = 200*time.Millisecond, 200*time.Millisecond
	base := serveLimited(t, upstream.URL, limits)

	t.Run("slow headers", func(t *testing.T) {
		conn := testutil.Dial(t, base)
		if _, err := io.WriteString(conn, "GET /connect-components/configurations HTTP/1.1\r\nHost: x\r\n"); err != nil {
			t.Fatal(err)
		}
		testutil.ClosedWithin(t, conn, 10*time.Second)
	})
	t.Run("slow body", func(t *testing.T) {
		conn := testutil.Dial(t, base)
		if _, err := io.WriteString(conn, "POST /connect-components/configurations HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n"+
			"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"filterAc"); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // a guard: the proxy answers long before
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to a stalled body: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "--read-timeout") {
			t.Errorf("stalled body: %d %s", resp.StatusCode, body)
		}
		testutil.ClosedWithin(t, conn, 10*time.Second)
	})
	t.Run("slow upstream", func(t *testing.T) {
		req, _ := http.NewRequest("GET", base+"/connect-components/configurations?slow=1", nil)
		req.Header.Set("Finicity-App-Key", "k")
		req.Header.Set("Finicity-App-Token", "t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "[]" {
			t.Errorf("an upstream slower than the read timeout: %d %s", resp.StatusCode, body)
		}
	})
}

// TestProxyConnectionCap: with a cap of 2 connections, two requests in
// flight (bodies still arriving) hold a third connection back until one
// of them is done; neither is cut to make room.
func TestProxyConnectionCap(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"0f4c7bc4-5f6b-4a11-a6a3-77d2f63a1e43"}`)
	}))
	t.Cleanup(upstream.Close)
	limits := listen.Defaults
	limits.MaxConnections = 2
	base := serveLimited(t, upstream.URL, limits)
	const head = "POST /connect-components/configurations HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"
	testutil.CapHolds(t, base, head, "{}", http.StatusCreated, head+"{}", limits.IdleEvictAfter)
}

// TestProxyMaxHeaderBytes: the proxy refuses request headers past 64 KiB
// (net/http's bare 431), however the limits given leave it.
func TestProxyMaxHeaderBytes(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	}))
	t.Cleanup(upstream.Close)
	base := serveLimited(t, upstream.URL, listen.Defaults)
	for _, tc := range []struct {
		size   int
		status int
	}{
		{proxy.MaxHeaderBytes / 2, http.StatusOK},
		{proxy.MaxHeaderBytes + 8192, http.StatusRequestHeaderFieldsTooLarge},
	} {
		req, _ := http.NewRequest("GET", base+"/connect-components/configurations", nil)
		req.Header.Set("Finicity-App-Key", "k")
		req.Header.Set("Finicity-App-Token", "t")
		req.Header.Set("X-Padding", strings.Repeat("p", tc.size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("headers of %d bytes: %d, want %d", tc.size, resp.StatusCode, tc.status)
		}
	}
}
