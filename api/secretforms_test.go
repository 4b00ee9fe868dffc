package api_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestErrorsMaskEchoedCredentialsInEveryForm: a server that echoes the
// request's app key and token JSON-escaped (\u0061 for every character),
// URL-encoded and base64-encoded, in an error answer and in a 2xx answer
// that does not decode, gets them masked in every fmt verb of the
// error, of the *api.Error and of the *api.DecodeError (%#v included,
// which quotes the body), while the fields keep the exact bytes.
func TestErrorsMaskEchoedCredentialsInEveryForm(t *testing.T) {
	// A GET whose answer is an error, and a GET of a list whose 2xx does
	// not decode.
	get, list := pick(t, kindGETPath), pick(t, kindGET)
	key, token := randomSecret("key"), randomSecret("tok")
	echo := func(r *http.Request) string {
		k, tok := r.Header.Get("Finicity-App-Key"), r.Header.Get("Finicity-App-Token")
		return fmt.Sprintf(`"Description":"key %s","Details":"token %s, %s","Source":"%s","x":"%s %s %s"`,
			testutil.EscapeEvery(k, false), url.QueryEscape(tok), strings.ToLower(url.PathEscape(k)),
			testutil.EscapeEvery(tok, true), base64.StdEncoding.EncodeToString([]byte(k)), base64.RawURLEncoding.EncodeToString([]byte(tok)), tok)
	}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == list.urlPath() {
			// A 2xx list whose item is no configuration.
			writeReply(w, reply{status: 200, body: `[{"id":7,` + echo(r) + `}]`})
			return
		}
		w.Header().Set("X-Echo", testutil.EscapeEvery(r.Header.Get("Finicity-App-Key"), false))
		writeReply(w, reply{status: 404, body: `{"Errors":{"Error":[{"ReasonCode":"4041",` + echo(r) + `}]}}`})
	})
	c, err := api.NewClient(key, api.WithAppToken(token), api.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	getErr := get.call(ctx, c)
	apiErr, ok := errors.AsType[*api.Error](getErr)
	if !ok || apiErr.StatusCode != 404 {
		t.Fatalf("get: %v, want an *api.Error 404", getErr)
	}
	listErr := list.call(ctx, c)
	decodeErr, ok := errors.AsType[*api.DecodeError](listErr)
	if !ok || decodeErr.StatusCode != 200 {
		t.Fatalf("list: %v, want an *api.DecodeError", listErr)
	}
	for name, v := range map[string]any{"get error": getErr, "*api.Error": apiErr, "list error": listErr, "*api.DecodeError": decodeErr} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			if verb == "%x" {
				text, _ := strconv.Unquote(`"` + hexToEscapes(out) + `"`)
				out = text
			}
			testutil.NoFormOf(t, name+" "+verb, out, key, token)
		}
	}
	if gs := fmt.Sprintf("%#v", apiErr); !strings.Contains(gs, "[REDACTED]") || !strings.Contains(gs, `ReasonCode:"4041"`) {
		t.Errorf("%%#v of the *api.Error: %s", gs)
	}
	// The fields keep what the server sent.
	if apiErr.Description != "key "+key || !strings.Contains(string(decodeErr.Body), testutil.EscapeEvery(key, false)) ||
		apiErr.Header.Get("X-Echo") != testutil.EscapeEvery(key, false) {
		t.Errorf("the fields changed: %q %q %q", apiErr.Description, decodeErr.Body, apiErr.Header.Get("X-Echo"))
	}
}

// hexToEscapes turns %x output into \x escapes, to read it back as text.
func hexToEscapes(h string) string {
	var b strings.Builder
	for i := 0; i+1 < len(h); i += 2 {
		b.WriteString(`\x` + h[i:i+2])
	}
	return b.String()
}
