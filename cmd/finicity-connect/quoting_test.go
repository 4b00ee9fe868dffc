package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// cliQuotingStyles are the ways free text quotes or joins a value (as in
// package api's tests: the CLI masks its stderr with the same rules).
var cliQuotingStyles = []struct{ name, open, close string }{
	{"typographic double quotes", "“", "”"},
	{"typographic single quotes", "‘", "’"},
	{"guillemets", "«", "»"},
	{"single guillemets", "‹", "›"},
	{"low-high quotes", "„", "“"},
	{"corner brackets", "「", "」"},
	{"ellipsis", "…", "…"},
	{"apostrophe", "’", "’s"},
	{"non-breaking spaces", "\u00a0", "\u00a0"},
	{"CJK text", "令牌", "无效"},
	{"hyphen join", "key-", "-v2"},
	{"underscore join", "key_", "_v2"},
	{"dot join", "key.", ".v2"},
	{"ASCII quotes", `'`, `'`},
}

// TestStderrMasksSecretsOfEveryLength: an app token of 1 to 20 characters
// that the API quotes back in its error text, in any quoting style, is
// masked on the CLI's stderr.
func TestStderrMasksSecretsOfEveryLength(t *testing.T) {
	const alphabet = "Zq9Xw7Vk5Jp3Hm1Gf8Rt"
	for n := 1; n <= 20; n++ {
		secret := alphabet[:n]
		var quoted, masked []string
		for _, st := range cliQuotingStyles {
			quoted = append(quoted, st.open+secret+st.close)
			masked = append(masked, st.open+"[REDACTED]"+st.close)
		}
		text := strings.Join(quoted, " | ")
		details, _ := json.Marshal(text)
		env, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
			reply(400, `{"Errors":{"Error":[{"ReasonCode":"10010","Description":"Bad request.","Details":`+string(details)+`}]}}`)(w, r)
		})
		out := cliRun(t, with(env, envAppToken, secret), "configurations", "list")
		if out.code == 0 {
			t.Fatalf("secret of %d characters: the call succeeded", n)
		}
		for i, q := range quoted {
			if strings.Contains(out.stderr, q) {
				t.Errorf("secret of %d characters, %s: %q left unmasked in %q", n, cliQuotingStyles[i].name, q, out.stderr)
			}
			if !strings.Contains(out.stderr, masked[i]) {
				t.Errorf("secret of %d characters, %s: %q not found in %q", n, cliQuotingStyles[i].name, masked[i], out.stderr)
			}
		}
		if !strings.Contains(out.stderr, "Bad request.") {
			t.Errorf("secret of %d characters: the error's own text was lost: %q", n, out.stderr)
		}
	}
}
