package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// TestTransportFailuresReadAsHTTPClientDoes: each attempt goes through
// http.Client.Do (of a copy of the caller's client), with or without a
// Timeout: a transport's failures read as Do reports them, and an empty
// answer without a body is an empty answer.
func TestTransportFailuresReadAsHTTPClientDoes(t *testing.T) {
	boom := errors.New("boom")
	get := pick(t, kindGET)
	// As net/http's url.Error writes the request: "Get" and the URL.
	prefix := fmt.Sprintf("finicity: %s%s %q: ", get.op.Method[:1], strings.ToLower(get.op.Method[1:]), "http://127.0.0.1"+get.urlPath())
	cases := []struct {
		name string
		rt   transportFunc
		want string // "" for success
	}{
		{"transport error", func(*http.Request) (*http.Response, error) { return nil, boom },
			prefix + `boom`},
		{"response beside an error", func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, boom
		}, prefix + `boom`},
		{"nil response", func(*http.Request) (*http.Response, error) { return nil, nil },
			prefix + `http: RoundTripper implementation (api_test.transportFunc) returned a nil *Response with a nil error`},
		{"nil body with a length", func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: 2, Request: r}, nil
		}, prefix + `http: RoundTripper implementation (api_test.transportFunc) returned a *Response with content length 2 but a nil Body`},
		{"nil body, empty", func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 204, Header: http.Header{}, Request: r}, nil
		}, ""},
	}
	for _, tc := range cases {
		for _, timeout := range []time.Duration{0, time.Hour} {
			t.Run(tc.name+"/timeout "+timeout.String(), func(t *testing.T) {
				hc := &http.Client{Transport: tc.rt, Timeout: timeout}
				c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(hc), api.WithRetries(0))
				err := get.call(context.Background(), c)
				if tc.want == "" {
					// An empty 204 to an operation answering JSON does not
					// decode: the answer's fault, not the transport's.
					if de, ok := errors.AsType[*api.DecodeError](err); !ok || de.StatusCode != 204 || len(de.Body) != 0 {
						t.Fatalf("got %v, want a *api.DecodeError of the empty 204", err)
					}
					return
				}
				if err == nil || err.Error() != tc.want {
					t.Fatalf("got %v,\nwant %s", err, tc.want)
				}
				if _, ok := errors.AsType[*url.Error](err); !ok {
					t.Errorf("%v does not unwrap to a *url.Error", err)
				}
			})
		}
	}
}

// TestCookieJarIsUsed: the cookie jar of the caller's client sends its
// cookies and keeps those set by the answer.
func TestCookieJarIsUsed(t *testing.T) {
	var cookies []string
	get := pick(t, kindGET)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		cookies = append(cookies, r.Header.Get("Cookie"))
		http.SetCookie(w, &http.Cookie{Name: "lb", Value: "node-2"})
		writeReply(w, get.okReply())
	})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv.URL, api.WithHTTPClient(&http.Client{Jar: jar}))
	for range 2 {
		if err := get.call(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(cookies, "|") != "|lb=node-2" {
		t.Errorf("cookies sent: %q, want none then lb=node-2", cookies)
	}
}

// TestBaseURLPath: the operation's path goes below the base URL's path,
// with or without a trailing slash on either.
func TestBaseURLPath(t *testing.T) {
	var got []string
	get := pick(t, kindGETPath)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.EscapedPath())
		writeReply(w, get.okReply())
	})
	path := get.urlPath()
	for _, tc := range []struct{ base, want string }{
		{"", path},
		{"/", path},
		{"/proxy/finicity", "/proxy/finicity" + path},
		{"/proxy/finicity/", "/proxy/finicity" + path},
		{"/proxy%2Ffinicity", "/proxy%2Ffinicity" + path},
	} {
		got = nil
		c := newClient(t, srv.URL+tc.base)
		if err := get.call(context.Background(), c); err != nil {
			t.Fatalf("base %q: %v", tc.base, err)
		}
		if _, err := get.generated(context.Background(), c, "WithResponse"); err != nil {
			t.Fatalf("base %q, Generated: %v", tc.base, err)
		}
		if len(got) != 2 || got[0] != tc.want || got[1] != tc.want {
			t.Errorf("base %q: paths %q, want %q for the typed method and Generated", tc.base, got, tc.want)
		}
	}
}

// TestRedirectWithBadLocation: a 3xx whose Location does not parse is
// refused by http.Client.Do itself, before it would ask whether to follow
// it: the call fails with Do's error naming the Location, prefixed once,
// and nothing else is sent.
func TestRedirectWithBadLocation(t *testing.T) {
	srv := newScripted(t, reply{status: http.StatusFound, header: map[string]string{"Location": "http://[::1"}})
	err := listCall(context.Background(), newClient(t, srv.URL))
	if _, ok := errors.AsType[*url.Error](err); !ok || !strings.Contains(err.Error(), `failed to parse Location header "http://[::1"`) {
		t.Fatalf("got %v, want http.Client.Do's error about the Location", err)
	}
	if !strings.HasPrefix(err.Error(), "finicity: ") || strings.Count(err.Error(), "finicity: ") != 1 {
		t.Errorf("message %q", err)
	}
	if srv.count() != 1 {
		t.Errorf("requests: got %d, want 1", srv.count())
	}
}
