package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
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
			p := startProxy(t, rawUpstream(t, answer))
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
			out := p.stop()
			lines := p.reportLines(t)
			_, harText := p.readHAR(t)
			var har struct {
				Log struct {
					Entries []struct {
						Findings []reportLine `json:"_findings"`
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
	p := startProxy(t, upstream.URL)
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
	out := p.stop()
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

// TestVerboseMasksEscapedEcho: --verbose prints the answer's body; a
// server echoing the app key and token JSON-escaped, URL- or
// base64-encoded has them masked there, as on every other line.
func TestVerboseMasksEscapedEcho(t *testing.T) {
	key, token := "verbose-app-key-0c4d", "verbose-token-9a7e"
	env, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		k, tok := r.Header.Get("Finicity-App-Key"), r.Header.Get("Finicity-App-Token")
		w.Header().Set("X-Echo", url.PathEscape(k))
		reply(404, fmt.Sprintf(`{"Errors":{"Error":[{"ReasonCode":"4041","Description":"key %s","Details":"token %s %s"}]}}`,
			testutil.EscapeEvery(k, true), url.QueryEscape(tok), base64.RawURLEncoding.EncodeToString([]byte(tok))))(w, r)
	})
	env = with(env, envAppKey, key, envAppToken, token)
	o := cliRun(t, env, "configurations", "get", "--verbose", "--retries", "0", "0f4c7bc4-5f6b-4a11-a6a3-77d2f63a1e43")
	o.expect(t, exitAPI, []string{""}, []string{"< HTTP/1.1 404 Not Found", `"Description":"key [REDACTED]"`, `"Details":"token [REDACTED] [REDACTED]"`, "X-Echo: [REDACTED]"})
	testutil.NoFormOf(t, "stderr", o.stderr, key, token)
}

// TestStdoutMasksEchoedCredentials: a 2xx answer that echoes the app key
// or the partner secret, in any form, is printed with them masked; the
// token command still prints the token it fetched, and only that.
func TestStdoutMasksEchoedCredentials(t *testing.T) {
	key, secret, fresh := "stdout-app-key-55e1", "stdout-partner-secret-0d9b", "stdout-fresh-token-7f3a"
	env, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		k := r.Header.Get("Finicity-App-Key")
		if strings.HasSuffix(r.URL.Path, "/partners/authentication") {
			reply(200, fmt.Sprintf(`{"token":"%s","echo":"%s %s"}`, fresh, testutil.EscapeEvery(secret, false), url.QueryEscape(k)))(w, r)
			return
		}
		reply(200, fmt.Sprintf(`[{"id":"0f4c7bc4-5f6b-4a11-a6a3-77d2f63a1e43","filterAccounts":["%s","%s"]}]`, testutil.EscapeEvery(k, false), base64.StdEncoding.EncodeToString([]byte(k))))(w, r)
	})
	env = with(env, envAppKey, key, envAppToken, "", envPartnerID, "p", envPartnerSecret, secret)

	list := cliRun(t, env, "configurations", "list")
	list.expect(t, 0, []string{`"filterAccounts": [`, `"[REDACTED]",`}, []string{""})
	testutil.NoFormOf(t, "configurations list stdout", list.stdout, key, secret, fresh)
	var parsed []map[string]any
	list.decode(t, &parsed)

	for _, output := range []string{"json", "table"} {
		tok := cliRun(t, env, "token", "--output", output)
		tok.expect(t, 0, []string{fresh}, []string{""})
		testutil.NoFormOf(t, "token stdout", tok.stdout, key, secret)
	}
	// With --verbose, the token fetched is masked on stderr wherever the
	// answer quotes it, and still printed on stdout.
	env2, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		reply(200, fmt.Sprintf(`{"token":"%s","note":"issued %s"}`, fresh, testutil.EscapeEvery(fresh, true)))(w, r)
	})
	env2 = with(env2, envAppKey, key, envAppToken, "", envPartnerID, "p", envPartnerSecret, secret)
	tok := cliRun(t, env2, "token", "--verbose")
	tok.expect(t, 0, []string{`"token": "` + fresh + `"`}, []string{`< {"token":"[REDACTED]","note":"issued [REDACTED]"}`})
	testutil.NoFormOf(t, "token --verbose stderr", tok.stderr, key, secret, fresh)
}

// TestServedSandboxStateHoldsNoAppKey: the served sandbox's --state file
// stores a keyed hash of each app key, never the key in any form; a
// sandbox started again on the file serves each app key what it stored,
// and its issued tokens still work with --check-tokens. A version 1 file
// (app keys as they are) is read as it is and written back as version 2
// at the next change, the app keys gone from it.
func TestServedSandboxStateHoldsNoAppKey(t *testing.T) {
	keys := []string{"served-app-key-7d21c0", "other-app-key-e5"}
	path := filepath.Join(t.TempDir(), "state.json")
	createPath, createBody := pathOf(t, opCreateConfiguration), exampleBody(t, opCreateConfiguration, nil)
	loginPath := pathOf(t, "CreateToken")
	loginBody := exampleBody(t, "CreateToken", map[string]any{"partnerId": sandbox.DefaultPartnerID, "partnerSecret": sandbox.DefaultPartnerSecret})
	create := func(base, key, token string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", base+createPath, strings.NewReader(createBody))
		req.Header.Set("Finicity-App-Key", key)
		req.Header.Set("Finicity-App-Token", token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var cfg struct{ ID string }
		if err := json.NewDecoder(resp.Body).Decode(&cfg); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %v", resp.StatusCode, err)
		}
		return cfg.ID
	}
	login := func(base, key string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", base+loginPath, strings.NewReader(loginBody))
		req.Header.Set("Finicity-App-Key", key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok struct{ Token string }
		if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
			t.Fatalf("login: %d %v", resp.StatusCode, err)
		}
		return tok.Token
	}
	list := func(base, key, token string) []string {
		t.Helper()
		c, err := api.NewClient(key, api.WithAppToken(token), api.WithBaseURL(base), api.WithRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := c.Configurations.List(context.Background())
		if err != nil {
			t.Fatalf("list for %s: %v", key, err)
		}
		var ids []string
		for _, cfg := range cfgs {
			ids = append(ids, cfg.ID.String())
		}
		return ids
	}
	fileHoldsNoKey := func(when string) []byte {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		testutil.NoFormOf(t, "the state file "+when, string(data), keys...)
		testutil.NoFormOf(t, "the state file "+when, string(data), hex.EncodeToString([]byte(keys[0])))
		return data
	}

	ready, stop, _, _ := served(t, "--addr", "127.0.0.1:0", "--check-tokens", "--state", path)
	base := ready["url"].(string)
	tokens := map[string]string{}
	ids := map[string]string{}
	for _, k := range keys {
		tokens[k] = login(base, k)
		ids[k] = create(base, k, tokens[k])
	}
	stop()
	data := fileHoldsNoKey("after creates")
	if !strings.HasPrefix(string(data), `{"version":2,"appKeyHashKey":"`) {
		t.Errorf("state file: %.80s", data)
	}

	ready, stop, _, stderr := served(t, "--addr", "127.0.0.1:0", "--check-tokens", "--state", path)
	for _, k := range keys {
		if got := list(ready["url"].(string), k, tokens[k]); len(got) != 1 || got[0] != ids[k] {
			t.Errorf("after a restart, %s lists %q, want [%s]", k, got, ids[k])
		}
	}
	stop()
	if !strings.Contains(stderr.String(), "(2 configuration(s) loaded") {
		t.Errorf("stderr: %s", stderr.String())
	}

	// A version 1 file, as earlier builds wrote it.
	const id = "605543e1-f507-48ad-8127-95c40566597b"
	v1 := `{"version":1,"configurations":{"` + keys[0] + `":[{"filterAccounts":["Savings"],"id":"` + id + `"}]},` +
		`"tokens":[{"token":"v1-token","appKey":"` + keys[0] + `","expires":"2999-01-01T00:00:00Z"}],"oauth":[]}` + "\n"
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	ready, stop, _, _ = served(t, "--addr", "127.0.0.1:0", "--check-tokens", "--state", path)
	base = ready["url"].(string)
	if got := list(base, keys[0], "v1-token"); len(got) != 1 || got[0] != id {
		t.Errorf("version 1 file: %s lists %q", keys[0], got)
	}
	second := create(base, keys[0], "v1-token")
	stop()
	fileHoldsNoKey("after a version 1 file was saved again")
	ready, stop, _, _ = served(t, "--addr", "127.0.0.1:0", "--check-tokens", "--state", path)
	if got := list(ready["url"].(string), keys[0], "v1-token"); !slices.Equal(got, []string{id, second}) {
		t.Errorf("after the migration: %q, want %q", got, []string{id, second})
	}
	stop()
}
