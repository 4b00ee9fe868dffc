package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
)

// TestStderrMasksSecretsOfEveryLength: an app token of 1 to 20 characters
// that the API quotes back in its error text, in any quoting style, is
// masked on the CLI's stderr (package api's tests check error strings
// and slog records with the same styles).
func TestStderrMasksSecretsOfEveryLength(t *testing.T) {
	const alphabet = "Zq9Xw7Vk5Jp3Hm1Gf8Rt"
	for n := 1; n <= 20; n++ {
		secret := alphabet[:n]
		quoted, masked := testutil.Quote(secret)
		text := strings.Join(quoted, " | ")
		details, _ := json.Marshal(text)
		env, _ := clirun.FakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
			clirun.Reply(400, `{"Errors":{"Error":[{"ReasonCode":"10010","Description":"Bad request.","Details":`+string(details)+`}]}}`)(w, r)
		})
		out := cliRun(t, clirun.With(env, EnvAppToken, secret), "configurations", "list")
		if out.Code == 0 {
			t.Fatalf("secret of %d characters: the call succeeded", n)
		}
		for i, q := range quoted {
			if strings.Contains(out.Stderr, q) {
				t.Errorf("secret of %d characters, %s: %q left unmasked in %q", n, testutil.QuotingStyles[i].Name, q, out.Stderr)
			}
			if !strings.Contains(out.Stderr, masked[i]) {
				t.Errorf("secret of %d characters, %s: %q not found in %q", n, testutil.QuotingStyles[i].Name, masked[i], out.Stderr)
			}
		}
		if !strings.Contains(out.Stderr, "Bad request.") {
			t.Errorf("secret of %d characters: the error's own text was lost: %q", n, out.Stderr)
		}
	}
}
