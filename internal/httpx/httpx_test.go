package httpx

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestRead(t *testing.T) {
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
			resp := &http.Response{Body: src, ContentLength: tc.length}
			err := Read(resp, tc.limit)
			if src.closed != 1 {
				t.Errorf("network body closed %d times, want 1", src.closed)
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
			got, ok := Bytes(resp)
			if !ok || string(got) != tc.want {
				t.Fatalf("Bytes: %q, %v; want %q", got, ok, tc.want)
			}
			// Reading the body does not take the bytes from the layers
			// that ask for them, and reading twice is harmless.
			read, _ := io.ReadAll(resp.Body)
			again, _ := Bytes(resp)
			if string(read) != tc.want || string(again) != tc.want || resp.ContentLength != int64(len(tc.want)) {
				t.Errorf("read %q, Bytes %q, length %d", read, again, resp.ContentLength)
			}
			// Rewind gives the next reader the whole body again.
			Rewind(resp)
			if b, _ := io.ReadAll(resp.Body); string(b) != tc.want {
				t.Errorf("after Rewind, read %q", b)
			}
			// A second Read leaves the held body alone.
			if err := Read(resp, tc.limit); err != nil {
				t.Fatal(err)
			}
			if b, _ := Bytes(resp); !bytes.Equal(b, []byte(tc.want)) {
				t.Errorf("second Read changed the body: %q", b)
			}
		})
	}
}

func TestReadNoBody(t *testing.T) {
	for _, body := range []io.ReadCloser{nil, http.NoBody} {
		resp := &http.Response{Body: body}
		if err := Read(resp, 10); err != nil {
			t.Fatal(err)
		}
		if b, ok := Bytes(resp); !ok || len(b) != 0 {
			t.Errorf("body %v: Bytes %q, %v", body, b, ok)
		}
	}
	if _, ok := Bytes(&http.Response{Body: io.NopCloser(strings.NewReader("x"))}); ok {
		t.Error("Bytes of an unread body reported ok")
	}
	if _, ok := Bytes(nil); ok {
		t.Error("Bytes of no response reported ok")
	}
}

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
