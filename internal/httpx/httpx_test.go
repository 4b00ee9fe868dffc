package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestReceive(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		length   int64 // ContentLength announced
		limit    int64
		want     string
		tooLarge bool
	}{
		{name: "announced length", body: `{"a":1}`, length: 7, limit: 100, want: `{"a":1}`},
		{name: "unknown length", body: `{"a":1}`, length: -1, limit: 100, want: `{"a":1}`},
		{name: "longer than announced is read whole", body: `{"a":12}`, length: 3, limit: 100, want: `{"a":12}`},
		{name: "empty", body: ``, length: 0, limit: 100, want: ``},
		{name: "at the limit", body: `12345`, length: -1, limit: 5, want: `12345`},
		{name: "over the limit, unknown length", body: `123456`, length: -1, limit: 5, tooLarge: true},
		{name: "over the limit, announced", body: `123456`, length: 6, limit: 5, tooLarge: true},
		{name: "over the limit, announced short", body: `123456`, length: 2, limit: 5, tooLarge: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &closeCounter{Reader: strings.NewReader(tc.body)}
			req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
			resp := &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", Body: src, ContentLength: tc.length}
			r, err := Receive(req, resp, tc.limit, false)
			if src.closed == 0 {
				t.Error("network body not closed")
			}
			if tc.tooLarge {
				if !errors.Is(err, ErrBodyTooLarge) {
					t.Fatalf("got %v, want ErrBodyTooLarge", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Body) != tc.want || r.StatusCode != 200 || r.Request != req || r.Header == nil {
				t.Fatalf("Response %+v; want body %q", r, tc.want)
			}
			// HTTP gives a fresh *http.Response each time, its body whole.
			for range 2 {
				h := r.HTTP()
				read, _ := io.ReadAll(h.Body)
				if string(read) != tc.want || h.ContentLength != int64(len(tc.want)) || h.Status != "200 OK" || h.Proto != "HTTP/1.1" || h.Request != req {
					t.Errorf("HTTP: read %q, %+v", read, h)
				}
			}
		})
	}
}

// TestReceiveNeverAllocatesTheAnnouncedLength: a body announcing 10 MiB
// and sending one byte costs what arrived, not what was announced.
func TestReceiveNeverAllocatesTheAnnouncedLength(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
	allocs := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			resp := &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("x")), ContentLength: 10 << 20}
			if _, err := Receive(req, resp, 10<<20, false); err == nil {
				b.Fatal("a short body read without error")
			}
		}
	})
	if per := allocs.AllocedBytesPerOp(); per > 64<<10 {
		t.Errorf("%d bytes allocated per short body announcing 10 MiB; want what arrived", per)
	}
}

func TestReceiveNoBody(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
	for _, body := range []io.ReadCloser{nil, http.NoBody} {
		r, err := Receive(req, &http.Response{StatusCode: 204, Body: body}, 10, false)
		if err != nil || len(r.Body) != 0 {
			t.Errorf("body %v: %v, %v", body, r, err)
		}
	}
}

// TestReceiveInformational: a 1xx as the final answer is refused at once,
// unread (its body is the raw connection).
func TestReceiveInformational(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
	src := &closeCounter{Reader: blocking{}}
	_, err := Receive(req, &http.Response{StatusCode: 101, Body: src}, 10, false)
	if !errors.Is(err, ErrInformational) || src.closed != 1 {
		t.Errorf("got %v (closed %d), want ErrInformational and the body closed", err, src.closed)
	}
}

// TestReceiveBoundedByContext: a body that blocks forever ends with the
// context, as an error.
func TestReceiveBoundedByContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1/x", nil)
		pr, pw := io.Pipe()
		defer pw.Close()
		_, err := Receive(req, &http.Response{StatusCode: 200, Body: pr}, 10, false)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want the context's deadline", err)
		}
	})
}

type blocking struct{}

func (blocking) Read([]byte) (int, error) { select {} }

func TestCopy(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://127.0.0.1/x", strings.NewReader("payload"))
	req.Header.Set("X-A", "1")
	if !Replayable(req) {
		t.Fatal("a strings.Reader body is replayable")
	}
	_, _ = io.ReadAll(req.Body) // the first attempt consumed it
	again, err := Copy(req)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(again.Body); string(b) != "payload" {
		t.Errorf("rewound body %q", b)
	}
	again.Header.Set("X-A", "2")
	if req.Header.Get("X-A") != "1" {
		t.Error("the copy shares its headers with the original")
	}
	oneShot, _ := http.NewRequest("POST", "http://127.0.0.1/x", io.MultiReader(strings.NewReader("p")))
	if Replayable(oneShot) {
		t.Error("a one-shot reader is not replayable")
	}
	noBody, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
	if !Replayable(noBody) {
		t.Error("a request without a body is replayable")
	}
}

// TestAttemptContext: it ends at its deadline, with its parent, or when
// stopped, and closes the body Receive is reading when it ends.
func TestAttemptContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := AttemptContext(context.Background(), time.Second)
		if d, ok := a.Deadline(); !ok || d != time.Now().Add(time.Second) {
			t.Errorf("Deadline: %v, %v", d, ok)
		}
		req, _ := http.NewRequestWithContext(a, "GET", "http://127.0.0.1/x", nil)
		pr, pw := io.Pipe()
		defer pw.Close()
		start := time.Now()
		_, err := Receive(req, &http.Response{StatusCode: 200, Body: pr}, 10, false)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second || !errors.Is(a.Err(), context.DeadlineExceeded) {
			t.Errorf("at the deadline: %v after %v", err, time.Since(start))
		}
		a.Stop()

		parent, cancel := context.WithCancel(context.WithValue(context.Background(), valueKey{}, "v"))
		a = AttemptContext(parent, time.Hour)
		if a.Value(valueKey{}) != "v" {
			t.Error("the parent's values are lost")
		}
		cancel()
		<-a.Done()
		if !errors.Is(a.Err(), context.Canceled) {
			t.Errorf("after the parent's cancellation: %v", a.Err())
		}
		a.Stop()

		a = AttemptContext(context.Background(), time.Hour)
		a.Stop()
		if !errors.Is(a.Err(), context.Canceled) {
			t.Errorf("after Stop: %v", a.Err())
		}
		done, stop := context.WithCancel(context.Background())
		stop()
		if a := AttemptContext(done, time.Hour); a.Err() == nil {
			t.Error("an attempt of a done parent is live")
		}
	})
}

// valueKey is a context key of this test file's own type.
type valueKey struct{}
