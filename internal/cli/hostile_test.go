package cli

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
)

// TestVerboseMasksEscapedEcho: --verbose prints the answer's body; a
// server echoing the app key and token JSON-escaped, URL- or
// base64-encoded has them masked there, as on every other line.
func TestVerboseMasksEscapedEcho(t *testing.T) {
	key, token := "verbose-app-key-0c4d", "verbose-token-9a7e"
	env, _ := clirun.FakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		k, tok := r.Header.Get("Finicity-App-Key"), r.Header.Get("Finicity-App-Token")
		w.Header().Set("X-Echo", url.PathEscape(k))
		clirun.Reply(404, fmt.Sprintf(`{"Errors":{"Error":[{"ReasonCode":"4041","Description":"key %s","Details":"token %s %s"}]}}`,
			testutil.EscapeEvery(k, true), url.QueryEscape(tok), base64.RawURLEncoding.EncodeToString([]byte(tok))))(w, r)
	})
	env = clirun.With(env, EnvAppKey, key, EnvAppToken, token)
	o := cliRun(t, env, "configurations", "get", "--verbose", "--retries", "0", "0f4c7bc4-5f6b-4a11-a6a3-77d2f63a1e43")
	o.Expect(t, ExitAPI, []string{""}, []string{"< HTTP/1.1 404 Not Found", `"Description":"key [REDACTED]"`, `"Details":"token [REDACTED] [REDACTED]"`, "X-Echo: [REDACTED]"})
	testutil.NoFormOf(t, "stderr", o.Stderr, key, token)
}

// TestStdoutMasksEchoedCredentials: a 2xx answer that echoes the app key
// or the partner secret, in any form, is printed with them masked; the
// token command still prints the token it fetched, and only that.
func TestStdoutMasksEchoedCredentials(t *testing.T) {
	key, secret, fresh := "stdout-app-key-55e1", "stdout-partner-secret-0d9b", "stdout-fresh-token-7f3a"
	env, _ := clirun.FakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		k := r.Header.Get("Finicity-App-Key")
		if strings.HasSuffix(r.URL.Path, "/partners/authentication") {
			clirun.Reply(200, fmt.Sprintf(`{"token":"%s","echo":"%s %s"}`, fresh, testutil.EscapeEvery(secret, false), url.QueryEscape(k)))(w, r)
			return
		}
		clirun.Reply(200, fmt.Sprintf(`[{"id":"0f4c7bc4-5f6b-4a11-a6a3-77d2f63a1e43","filterAccounts":["%s","%s"]}]`, testutil.EscapeEvery(k, false), base64.StdEncoding.EncodeToString([]byte(k))))(w, r)
	})
	env = clirun.With(env, EnvAppKey, key, EnvAppToken, "", EnvPartnerID, "p", EnvPartnerSecret, secret)

	list := cliRun(t, env, "configurations", "list")
	list.Expect(t, 0, []string{`"filterAccounts": [`, `"[REDACTED]",`}, []string{""})
	testutil.NoFormOf(t, "configurations list stdout", list.Stdout, key, secret, fresh)
	var parsed []map[string]any
	list.Decode(t, &parsed)

	for _, output := range []string{"json", "table"} {
		tok := cliRun(t, env, "token", "--output", output)
		tok.Expect(t, 0, []string{fresh}, []string{""})
		testutil.NoFormOf(t, "token stdout", tok.Stdout, key, secret)
	}
	// With --verbose, the token fetched is masked on stderr wherever the
	// answer quotes it, and still printed on stdout.
	env2, _ := clirun.FakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		clirun.Reply(200, fmt.Sprintf(`{"token":"%s","note":"issued %s"}`, fresh, testutil.EscapeEvery(fresh, true)))(w, r)
	})
	env2 = clirun.With(env2, EnvAppKey, key, EnvAppToken, "", EnvPartnerID, "p", EnvPartnerSecret, secret)
	tok := cliRun(t, env2, "token", "--verbose")
	tok.Expect(t, 0, []string{`"token": "` + fresh + `"`}, []string{`< {"token":"[REDACTED]","note":"issued [REDACTED]"}`})
	testutil.NoFormOf(t, "token --verbose stderr", tok.Stderr, key, secret, fresh)
}
