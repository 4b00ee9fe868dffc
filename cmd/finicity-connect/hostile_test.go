package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
)

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
