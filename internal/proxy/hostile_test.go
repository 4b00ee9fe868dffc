package proxy_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/internal/proxy"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// rawUpstream is a hostile upstream on 127.0.0.1: for each connection it
// reads one request and writes answer(request) as raw bytes, malformed
// HTTP included, then closes the connection.
func rawUpstream(t *testing.T, answer func(r *http.Request) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				r, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, r.Body)
				_, _ = io.WriteString(conn, answer(r))
			})
		}
	})
	return "http://" + ln.Addr().String()
}

// TestProxyMasksMalformedUpstreamAnswers: an upstream that answers
// malformed HTTP quoting the request's app key and token (a header line
// with no colon, the app key as the Content-Length, a status line made of
// the token) makes Go's transport quote that line in its error. The
// proxy's "upstream" finding carries that error: on stderr, in --report
// and in the HAR's _findings, every form of the credentials is masked,
// and the finding is still there, saying what happened.
func TestProxyMasksMalformedUpstreamAnswers(t *testing.T) {
	key, token := "hostile-app-key-5a1e", "hostile-token-77c3"
	answers := map[string]func(r *http.Request) string{
		"header line without a colon": func(r *http.Request) string {
			return "HTTP/1.1 200 OK\r\nFinicity-App-Key " + r.Header.Get("Finicity-App-Key") + " " + r.Header.Get("Finicity-App-Token") + "\r\n\r\n"
		},
		"app key as Content-Length": func(r *http.Request) string {
			return "HTTP/1.1 200 OK\r\nContent-Length: " + r.Header.Get("Finicity-App-Key") + "\r\n\r\n"
		},
		"token as the status line": func(r *http.Request) string {
			return r.Header.Get("Finicity-App-Token") + " " + r.Header.Get("Finicity-App-Key") + "\r\n\r\n"
		},
		"escaped in a header name": func(r *http.Request) string {
			return "HTTP/1.1 200 OK\r\nX-" + url.QueryEscape(r.Header.Get("Finicity-App-Key")) + "\u0001: " + testutil.EscapeEvery(r.Header.Get("Finicity-App-Token"), false) + "\r\n\r\n"
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			p := start(t, rawUpstream(t, answer))
			req, err := http.NewRequest("GET", p.url+"/connect-components/configurations", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Finicity-App-Key", key)
			req.Header.Set("Finicity-App-Token", token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway {
				t.Errorf("status %d, want 502: %s", resp.StatusCode, body)
			}
			out := p.stop(proxy.FailOnViolations)
			lines := p.reportLines(t)
			_, harText := p.readHAR(t)
			var har struct {
				Log struct {
					Entries []struct {
						Findings []proxy.ReportLine `json:"_findings"`
					}
				}
			}
			if err := json.Unmarshal([]byte(harText), &har); err != nil {
				t.Fatal(err)
			}
			report, _ := os.ReadFile(p.report)
			testutil.NoFormOf(t, "stderr", out.stderr, key, token)
			testutil.NoFormOf(t, "stdout", out.stdout, key, token)
			testutil.NoFormOf(t, "--report", string(report), key, token)
			testutil.NoFormOf(t, "HAR", harText, key, token)
			testutil.NoFormOf(t, "the answer", string(body), key, token)
			if len(lines) != 1 || lines[0].Kind != "upstream" || !strings.HasPrefix(lines[0].Rule, "no answer from upstream: ") {
				t.Errorf("report: %+v, want one upstream finding", lines)
			}
			if len(har.Log.Entries) != 1 || len(har.Log.Entries[0].Findings) != 1 || har.Log.Entries[0].Findings[0].Kind != "upstream" {
				t.Errorf("HAR findings: %+v", har.Log.Entries)
			}
			if !strings.Contains(out.stderr, "finding: ") || !strings.Contains(out.stderr, "upstream: no answer from upstream: ") {
				t.Errorf("stderr lacks the finding: %s", out.stderr)
			}
		})
	}
}

// TestProxyHARMasksEchoedAndUnparsedSecrets: in the HAR, a credential the
// upstream echoes JSON-escaped (every character as \uXXXX), URL-encoded
// or base64-encoded is masked in response.content.text; a partner
// authentication body that does not parse is recorded as [REDACTED]
// whole (and its answer too, which may quote it back), whether or not
// it names partnerSecret, escaped or not; a body that parses but names
// the field with an escape ("partner\u0053ecret") has the value masked.
func TestProxyHARMasksEchoedAndUnparsedSecrets(t *testing.T) {
	key, token := "har-app-key-31f0c9", "har-token-8e02aa"
	secrets := []string{"har-secret-unparsed-1", "har-secret-escaped-2", "har-secret-form-3", "har-secret-valid-4"}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/partners/authentication") {
			// The body quoted back, as a careless API error might.
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"Errors":{"Error":[{"ReasonCode":"10010","Description":"bad body","Details":%q}]}}`, body)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		k, tok := r.Header.Get("Finicity-App-Key"), r.Header.Get("Finicity-App-Token")
		fmt.Fprintf(w, `{"Errors":{"Error":[{"ReasonCode":"4041","Description":"key %s","Details":"token %s %s","Source":"%s"}]}}`,
			testutil.EscapeEvery(k, false), url.QueryEscape(tok), base64.StdEncoding.EncodeToString([]byte(k)), testutil.EscapeEvery(tok, true))
	}))
	t.Cleanup(upstream.Close)
	p := start(t, upstream.URL)
	send := func(method, path, body string) {
		t.Helper()
		req, err := http.NewRequest(method, p.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Finicity-App-Key", key)
		req.Header.Set("Finicity-App-Token", token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	const auth = "/aggregation/v2/partners/authentication"
	bodies := []string{
		`{"partnerId":"p","partnerSecret":"` + secrets[0] + `"`,
		`{"partnerId":"p","partner\u0053ecret":"` + secrets[1] + `"`,
		`partnerId=p&secret=` + secrets[2],
		`{"partnerId":"p","partner\u0053ecret":"` + secrets[3] + `"}`,
	}
	for _, b := range bodies {
		send("POST", auth, b)
	}
	send("GET", "/connect-components/configurations/0f4c7bc4-5f6b-4a11-a6a3-77d2f63a1e43", "")
	out := p.stop(proxy.FailOnViolations)
	har, harText := p.readHAR(t)
	testutil.NoFormOf(t, "HAR", harText, append([]string{key, token}, secrets...)...)
	testutil.NoFormOf(t, "stderr", out.stderr, append([]string{key, token}, secrets...)...)
	if len(har.Log.Entries) != 5 {
		t.Fatalf("%d HAR entries, want 5", len(har.Log.Entries))
	}
	for i, e := range har.Log.Entries[:3] {
		if e.Request.PostData == nil || e.Request.PostData.Text != "[REDACTED]" || e.Response.Content.Text != "[REDACTED]" {
			t.Errorf("entry %d: an unparsed authentication body: request %+v, answer %q; want both [REDACTED] whole", i, e.Request.PostData, e.Response.Content.Text)
		}
	}
	if got := har.Log.Entries[3].Request.PostData.Text; got != `{"partnerId":"p","partner\u0053ecret":"[REDACTED]"}` {
		t.Errorf("escaped field name: %s", got)
	}
	if got := har.Log.Entries[4].Response.Content.Text; !strings.Contains(got, `"Description":"key [REDACTED]"`) || !strings.Contains(got, `"Details":"token [REDACTED] [REDACTED]"`) {
		t.Errorf("echoed credentials: %s", got)
	}
}
