package api_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestOneCharacterCredentialsKeepErrorsIntact: credentials of one
// character ("e", "T", "i") appear inside every word of an error answer;
// masking must replace whole values only, so every *api.Error field, and
// the error's text, come back exactly as the API sent them.
func TestOneCharacterCredentialsKeepErrorsIntact(t *testing.T) {
	const key, token, partner, secret = "e", "T", "p", "i"
	get, getPath, post, auth := pick(t, kindGET), pick(t, kindGETPath), pick(t, kindPOST), pick(t, kindAuth)
	auth = auth.withBody(exampleBody(t, auth.op, map[string]any{"partnerId": partner, "partnerSecret": secret}))
	line := func(sc *specCall) string { return sc.op.Method + " " + sc.urlPath() }
	invalidTokenJSON := errorBody("10022", "Invalid Finicity-App-Token.", "The Finicity-App-Token header is required.", false)
	invalidTokenItems := []api.ErrorItem{{Source: "Connect-Components", ReasonCode: "10022", Description: "Invalid Finicity-App-Token.", Details: "The Finicity-App-Token header is required."}}
	tests := []struct {
		name    string
		reply   reply
		call    func(context.Context, *api.Client) error
		want    *api.Error
		wantMsg string
	}{
		{"invalid token", reply{status: 401, body: invalidTokenJSON}, get.send,
			wantAPIError(401, invalidTokenJSON, get.op.Method, get.urlPath(), invalidTokenItems),
			"finicity: " + line(get) + ": 401 Unauthorized, reason 10022: Invalid Finicity-App-Token. The Finicity-App-Token header is required."},
		{"not found", reply{status: 404, body: notFoundJSON}, getPath.send,
			wantAPIError(404, notFoundJSON, getPath.op.Method, getPath.urlPath(), notFoundItem),
			"finicity: " + line(getPath) + ": 404 Not Found, reason 4041: The requested entity was not found. No configuration with that id."},
		{"two items", reply{status: 400, body: badRequestJSON}, post.send,
			wantAPIError(400, badRequestJSON, post.op.Method, post.urlPath(), badRequestItems),
			"finicity: " + line(post) + ": 400 Bad Request, reason 10010: All request parameters could not be validated. One or more of the fields could not be validated."},
		{"partner authentication refused", reply{status: 401, body: rejectedJSON}, auth.send,
			wantAPIError(401, rejectedJSON, "POST", tokenPath, rejectedItem),
			"finicity: POST " + tokenPath + ": 401 Unauthorized, reason 10024: Invalid partner credentials. The partnerId or partnerSecret is not valid."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, tc.reply)
			c, err := api.NewClient(key, api.WithAppToken(token), api.WithBaseURL(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			err = tc.call(context.Background(), c)
			apiErr, ok := errors.AsType[*api.Error](err)
			if !ok {
				t.Fatalf("got %T %v, want *api.Error", err, err)
			}
			if got := errorFields(apiErr); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("*api.Error:\n got %+v\nwant %+v", got, tc.want)
			}
			if err.Error() != tc.wantMsg {
				t.Errorf("message:\n got %s\nwant %s", err, tc.wantMsg)
			}
			if gs := fmt.Sprintf("%#v", apiErr); !strings.Contains(gs, tc.want.Description) || strings.Contains(gs, "REDACTED") {
				t.Errorf("%%#v corrupts the answer: %s", gs)
			}
		})
	}

	t.Run("rejected partner credentials", func(t *testing.T) {
		srv := newScripted(t, reply{status: 401, body: rejectedJSON})
		c, err := api.NewClient(key, api.WithPartnerCredentials(partner, secret), api.WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		err = listCall(context.Background(), c)
		apiErr, ok := errors.AsType[*api.Error](err)
		if !ok || !errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("got %v, want rejected credentials holding an *api.Error", err)
		}
		if got, want := errorFields(apiErr), wantAPIError(401, rejectedJSON, "POST", tokenPath, rejectedItem); !reflect.DeepEqual(got, want) {
			t.Errorf("*api.Error:\n got %+v\nwant %+v", got, want)
		}
		if !strings.HasSuffix(err.Error(), ": POST "+tokenPath+": 401 Unauthorized, reason 10024: Invalid partner credentials. The partnerId or partnerSecret is not valid.") {
			t.Errorf("message: %s", err)
		}
	})

	t.Run("sandbox", func(t *testing.T) {
		// The sandbox's own answers, with token checking on: "T" was never
		// issued, "i" is not the sandbox secret.
		sb := sandbox.New(sandbox.WithTokenCheck(true))
		c, err := api.NewClient(key, api.WithAppToken(token), api.WithBaseURL(sandbox.InProcessURL), api.WithHTTPClient(sb.HTTPClient()))
		if err != nil {
			t.Fatal(err)
		}
		err = listCall(context.Background(), c)
		fields := spec.ErrorFields{Code: "10022", Status: 401, Description: "Invalid Finicity-App-Token.",
			Details: "The Finicity-App-Token was not issued by this sandbox for this Finicity-App-Key.", Source: "Connect-Components"}
		if shape := errorShape(get.op, 401); shape == nil {
			// No documented shape: the sandbox answers in the API's own.
			apiErr, ok := errors.AsType[*api.Error](err)
			if !ok || apiErr.StatusCode != 401 || apiErr.ReasonCode != fields.Code || apiErr.Description != fields.Description ||
				apiErr.Details != fields.Details || apiErr.Source != fields.Source {
				t.Fatalf("got %+v", err)
			}
		} else {
			// The sandbox answers in the shape the operation documents:
			// the error holds what that shape carries of the refusal.
			v, err2 := spec.ErrorBody(shape, fields)
			if err2 != nil {
				t.Fatalf("%s: %v", at(get.op.Pointer), err2)
			}
			want := wantDocumented(401, string(mustJSON(v)), get.op.Method, get.urlPath())
			if !strings.Contains(want.Description, fields.Description) {
				t.Fatalf("the documented error shape of %s says nothing of the refusal: %s", get.name(), want.Body)
			}
			checkAPIError(t, err, want)
		}
		if want := "finicity: " + line(get) + ": 401 Unauthorized"; !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "Invalid Finicity-App-Token.") {
			t.Errorf("message:\n got %s\nwant %s…Invalid Finicity-App-Token.…", err, want)
		}
		err = auth.withBody(exampleBody(t, auth.op, map[string]any{"partnerId": sandbox.DefaultPartnerID, "partnerSecret": secret})).call(context.Background(), c)
		apiErr, ok := errors.AsType[*api.Error](err)
		if !ok || apiErr.ReasonCode != "10024" || apiErr.Description != "Invalid partner credentials." || apiErr.Details != "The partnerId or partnerSecret is not valid." {
			t.Fatalf("got %+v", err)
		}
		if !strings.HasSuffix(err.Error(), "reason 10024: Invalid partner credentials. The partnerId or partnerSecret is not valid.") {
			t.Errorf("message: %s", err)
		}
	})
}

// errorShape is the schema of the error answer o documents for status,
// else o's error shape; nil when it documents none.
func errorShape(o *spec.Operation, status int) *openapi3.SchemaRef {
	if r := o.Response(status); r != nil && r.JSON && r.Schema != nil {
		return r.Schema
	}
	return o.ErrorSchema()
}

// leakServer answers according to its mode; several modes quote the
// request's credentials back, as a hostile or careless server might.
type leakServer struct {
	t      testing.TB
	mu     sync.Mutex
	mode   string
	secret string // the partner secret it echoes on "reject"
	issued int
	prefix string // of the tokens it issues
}

func (s *leakServer) set(mode string) {
	s.mu.Lock()
	s.mode = mode
	s.mu.Unlock()
}

func (s *leakServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	mode := s.mode
	s.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	key, tok := r.Header.Get("Finicity-App-Key"), r.Header.Get("Finicity-App-Token")
	if r.URL.Path == tokenPath {
		switch mode {
		case "reject":
			// The request quoted back whole, in every text field.
			writeReply(w, reply{status: 401, body: fmt.Sprintf(`{"Errors":{"Error":[{"ReasonCode":"10024","Description":"bad secret %s","Details":%q,"Source":"key %s"}]}}`,
				s.secret, "body "+string(body), key)})
		case "auth503":
			writeReply(w, reply{status: 503, body: fmt.Sprintf(`{"Errors":{"Error":[{"ReasonCode":"1","Description":"retry later, %s"}]}}`, s.secret)})
		default:
			s.mu.Lock()
			s.issued++
			tok := fmt.Sprintf("%s-%d", s.prefix, s.issued)
			s.mu.Unlock()
			writeReply(w, reply{status: 200, body: `{"token":"` + tok + `"}`})
		}
		return
	}
	switch mode {
	case "expire":
		writeReply(w, reply{status: 401, body: expiredJSON})
		s.set("") // the replay succeeds
	case "503":
		writeReply(w, reply{status: 503})
	case "echo":
		writeReply(w, reply{status: 404, body: fmt.Sprintf(
			`{"Errors":{"Error":[{"ReasonCode":"4041","Description":"key %s, token %s.","Details":"%s:%s","Source":"%s"}]},"token":%q,"echo":%q}`,
			key, tok, key, tok, tok, tok, key)})
	case "badbody":
		// Not the documented type, quoting the credentials.
		rp := exampleReply(s.t, r)
		if strings.HasPrefix(rp.body, "[") {
			rp.body = fmt.Sprintf(`{"echo":%q,"key":%q}`, tok, key)
		} else {
			rp.body = fmt.Sprintf(`[%q,%q]`, tok, key)
		}
		writeReply(w, rp)
	default:
		writeReply(w, exampleReply(s.t, r))
	}
}

// TestCredentialsNeverLeak drives clients of each token source, with
// realistic random credentials, through every path that logs or fails
// (success, retries, a dropped connection, an error quoting the
// credentials back, expiry and replay, rejected and transient partner
// authentication, validation of both sides, a transport error quoting the
// request's headers) and checks that no error text, in any fmt verb, and no
// debug log record contains the app key, a token or the partner secret.
// The log must still say what happened.
func TestCredentialsNeverLeak(t *testing.T) {
	key, static, secret := randomSecret("key"), randomSecret("tok"), randomSecret("secret")
	fetched := randomSecret("fetched") // prefix of the tokens partner authentication issues
	sourced := randomSecret("sourced") // the token of the TokenSource
	creds := []string{key, static, secret, fetched, sourced}
	ls := &leakServer{t: t, secret: secret, prefix: fetched}
	get, getPath, auth := pick(t, kindGET), pick(t, kindGETPath), pick(t, kindAuth)
	srv := newServer(t, ls.ServeHTTP)

	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// headerQuoter fails a request with an error quoting its headers, as a
	// careless proxy or transport might.
	headerQuoter := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			if req.Header.Get("X-Quote-Headers") != "" {
				return nil, fmt.Errorf("proxy refused %s with headers %v", req.URL.Path, req.Header)
			}
			return next.Do(req)
		})
	}
	quote := api.WithRequestEditor(func(ctx context.Context, req *http.Request) error {
		if ctx.Value(quoteKey{}) != nil {
			req.Header.Set("X-Quote-Headers", "1")
		}
		return nil
	})
	base := []api.Option{api.WithBaseURL(srv.URL), api.WithLogger(logger), quickRetries, api.WithMiddleware(headerQuoter), quote}
	mk := func(source api.Option, extra ...api.Option) *api.Client {
		c, err := api.NewClient(key, append(append([]api.Option{source}, base...), extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	sources := map[string]func() api.Option{
		"app token":           func() api.Option { return api.WithAppToken(static) },
		"partner credentials": func() api.Option { return api.WithPartnerCredentials(testPartnerID, secret) },
		"token source":        func() api.Option { return api.WithTokenSource(&scriptedTokens{tokens: []string{sourced}}) },
	}

	ctx := context.Background()
	quoting := context.WithValue(ctx, quoteKey{}, true)
	var errs []error
	record := func(where string, err error) {
		if err == nil {
			t.Errorf("%s: no error", where)
			return
		}
		errs = append(errs, fmt.Errorf("%s: %w", where, err))
	}
	for name, source := range sources {
		c := mk(source())
		ls.set("")
		if err := listCall(ctx, c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, mode := range []string{"503", "echo", "badbody"} {
			ls.set(mode)
			record(name+" "+mode, listCall(ctx, c))
			record(name+" "+getPath.name()+" "+mode, getPath.call(ctx, c))
		}
		ls.set("expire")
		if err := listCall(ctx, c); err != nil { // a fixed token, or a source with nothing newer
			errs = append(errs, err)
		}
		ls.set("")
		record(name+" transport error quoting headers", listCall(quoting, c))
		record(name+" POST transport error quoting headers", createCall(quoting, c))
		ls.set("badbody")
		record(name+" response validation", listCall(ctx, mk(source(), api.WithResponseValidation())))
		ls.set("echo")
		record(name+" response validation non-2xx", listCall(ctx, mk(source(), api.WithResponseValidation())))
		ls.set("")
		// A credential pasted in the wrong field.
		record(name+" request validation", invalidFormat(t, secret).sc.call(ctx, mk(source(), api.WithRequestValidation())))
	}
	for _, mode := range []string{"reject", "auth503"} {
		ls.set(mode)
		c := mk(sources["partner credentials"]())
		record("partner "+mode, listCall(ctx, c))
		record("partner "+mode+" again", listCall(ctx, c))
		authSecret := auth.withBody(exampleBody(t, auth.op, map[string]any{"partnerId": testPartnerID, "partnerSecret": secret}))
		record("authenticate "+mode, authSecret.call(ctx, mk(sources["app token"]())))
	}
	ls.set("")
	dead := newServer(t, func(http.ResponseWriter, *http.Request) {})
	deadURL := dead.URL
	dead.Close()
	for name, source := range sources {
		record(name+" dead server", listCall(ctx, mk(source(), api.WithBaseURL(deadURL))))
	}

	if len(errs) < 40 {
		t.Fatalf("only %d errors: the scenarios did not run", len(errs))
	}
	for _, err := range errs {
		var apiErr *api.Error
		text := fmt.Sprintf("%v\n%+v\n%s\n%#v", err, err, err.Error(), err)
		if errors.As(err, &apiErr) {
			text += fmt.Sprintf("\n%v\n%+v\n%#v", apiErr, apiErr, apiErr)
		}
		var ve *api.ValidationError
		if errors.As(err, &ve) {
			text += fmt.Sprintf("\n%+v\n%#v", *ve, ve)
		}
		mustContainNone(t, "error", text, creds...)
	}
	out := logs.String()
	mustContainNone(t, "log", out, creds...)
	for _, want := range []string{"method=GET", "path=" + get.urlPath(), fmt.Sprintf("status=%d", get.okReply().status), "status=503", "attempt=2", "duration=",
		"finicity: retrying", "replaying once", "finicity: request failed", "path=" + tokenPath} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}

type quoteKey struct{}

// TestPrintingAClientShowsNoCredentials: a client, or a struct holding
// one, printed with any verb, shows no credential.
func TestPrintingAClientShowsNoCredentials(t *testing.T) {
	key, static, secret, sourced := randomSecret("key"), randomSecret("tok"), randomSecret("secret"), randomSecret("sourced")
	var clients []*api.Client
	for _, source := range []api.Option{
		api.WithAppToken(static),
		api.WithPartnerCredentials(testPartnerID, secret),
		api.WithTokenSource(&scriptedTokens{tokens: []string{sourced}}),
	} {
		c, err := api.NewClient(key, source, api.WithBaseURL("https://api.example.com"))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	holder := struct{ A, B, C *api.Client }{clients[0], clients[1], clients[2]}
	for _, c := range clients {
		out := fmt.Sprintf("%v %+v %#v", c, c, c)
		if want := "api.Client{BaseURL: https://api.example.com} api.Client{BaseURL: https://api.example.com} api.Client{BaseURL: https://api.example.com}"; out != want {
			t.Errorf("got %q, want %q", out, want)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			mustContainNone(t, "fmt "+verb, fmt.Sprintf(verb, c), key, static, secret, sourced)
			mustContainNone(t, "fmt "+verb+" of a holder", fmt.Sprintf(verb, holder), key, static, secret, sourced)
			mustContainNone(t, "fmt "+verb+" of the value", fmt.Sprintf(verb, *c), key, static, secret, sourced)
		}
	}
}

// TestErrorGoStringMasksTheBody: %#v of an *api.Error shows the body
// without the credentials the server quoted in it, while the Body field
// keeps the exact bytes.
func TestErrorGoStringMasksTheBody(t *testing.T) {
	key, token := randomSecret("key"), randomSecret("tok")
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeReply(w, reply{status: 404, body: fmt.Sprintf(`{"Errors":{"Error":[{"ReasonCode":"4041","Description":"key %s"}]},"token":%q}`,
			r.Header.Get("Finicity-App-Key"), r.Header.Get("Finicity-App-Token"))})
	})
	c, err := api.NewClient(key, api.WithAppToken(token), api.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	getPath := pick(t, kindGETPath)
	err = getPath.call(context.Background(), c)
	apiErr, ok := errors.AsType[*api.Error](err)
	if !ok {
		t.Fatalf("got %v", err)
	}
	gs := fmt.Sprintf("%#v", apiErr)
	mustContainNone(t, "%#v", gs, key, token)
	for _, want := range []string{"StatusCode:404", `ReasonCode:"4041"`, `Path:"` + getPath.urlPath() + `"`, "[REDACTED]"} {
		if !strings.Contains(gs, want) {
			t.Errorf("%%#v lacks %q: %s", want, gs)
		}
	}
	if !strings.Contains(string(apiErr.Body), key) || !strings.Contains(string(apiErr.Body), token) || apiErr.Description != "key "+key {
		t.Error("the fields must keep what the server sent; only the printed text is masked")
	}
}

// doubledPunctuation finds punctuation doubled by joining texts ("found.:
// details", "error: : x", "x ,") in an error string.
var doubledPunctuation = regexp.MustCompile(`[.:;,!?]\s*[.:;,!?]|\s[.:;,]|\s\s|\s$`)

// TestErrorStrings: every error the package returns starts with
// "finicity: " exactly once, and joins its parts without doubled
// punctuation, across API errors (whatever the punctuation of the
// description), validation errors, transport errors, rejected credentials,
// decode errors and option errors.
func TestErrorStrings(t *testing.T) {
	var errs []error
	ctx := context.Background()
	apiAnswers := []reply{
		{status: 404, body: notFoundJSON},
		{status: 400, body: errorBody("10010", "Invalid field", "customerId is unknown", false)},
		{status: 400, body: errorBody("10010", "Invalid field:", "customerId", false)},
		{status: 400, body: errorBody("10010", "Invalid field.", "Invalid field.", false)},
		{status: 400, body: errorBody("10010", "", "Only details.", false)},
		{status: 401, body: `{"Errors":{"Error":[]}}`},
		{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html>bad gateway</html>"},
		// A status without a standard text (Cloudflare's "unknown error").
		{status: 520, body: errorBody("1", "Origin error.", "Try again.", true)},
		{status: 599},
	}
	for _, rp := range apiAnswers {
		srv := newScripted(t, rp)
		errs = append(errs, createCall(ctx, newClient(t, srv.URL)))
	}
	// Validation, both sides: every required argument left unset, a
	// value off its format, an answer off the spec.
	get := pick(t, kindGET)
	srv := newScripted(t, reply{status: get.ok.Code, body: wrongKind(get.ok.Schema)})
	for _, rc := range requiredCases(t) {
		errs = append(errs, rc.sc.call(ctx, newClient(t, srv.URL)))
	}
	errs = append(errs, invalidFormat(t, "not a value of its format").sc.call(ctx, newClient(t, srv.URL, api.WithRequestValidation())))
	errs = append(errs, get.call(ctx, newClient(t, srv.URL, api.WithResponseValidation())))
	var err error
	srv500 := newScripted(t, reply{status: 500, body: `{}`})
	errs = append(errs, createCall(ctx, newClient(t, srv500.URL, api.WithResponseValidation())))
	// Decode errors.
	for _, body := range []string{wrongKind(get.ok.Schema), `[`, ``} {
		srv := newScripted(t, reply{status: 200, body: body})
		errs = append(errs, listCall(ctx, newClient(t, srv.URL)))
	}
	// Transport errors.
	dead := newServer(t, func(http.ResponseWriter, *http.Request) {})
	deadURL := dead.URL
	dead.Close()
	errs = append(errs, listCall(ctx, newClient(t, deadURL, quickRetries)), createCall(ctx, newClient(t, deadURL, quickRetries)))
	hangUp := newScripted(t, reply{hangUp: true})
	errs = append(errs, createCall(ctx, newClient(t, hangUp.URL)))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	errs = append(errs, listCall(cancelled, newClient(t, deadURL)))
	errs = append(errs, listCall(ctx, newTokenSourceClient(t, deadURL, &scriptedTokens{err: errors.New("vault unreachable.")})))
	errs = append(errs, listCall(ctx, newClient(t, deadURL, api.WithRequestEditor(func(context.Context, *http.Request) error { return errors.New("finicity: already prefixed") }))))
	// Partner authentication: rejected, transient, answered without a token.
	for _, rp := range []reply{{status: 401, body: rejectedJSON}, {status: 503}, {status: 200, body: `{"token":""}`}} {
		srv := newScripted(t, rp)
		errs = append(errs, listCall(ctx, newPartnerClient(t, srv.URL)))
	}
	// Options.
	for _, tc := range newClientErrorCases() {
		_, err := api.NewClient(tc.key, tc.opts...)
		errs = append(errs, err)
	}
	_, err = api.ParseUUID("not-a-uuid")
	errs = append(errs, err)
	_, err = api.ParseUUID("605543e1-f507-48ad-8127-95c40566597x")
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "finicity: ") || strings.Count(msg, "finicity:") != 1 {
			t.Errorf("%q: want \"finicity: \" exactly once, at the start", msg)
		}
		if m := doubledPunctuation.FindString(msg); m != "" {
			t.Errorf("%q: doubled punctuation or spacing %q", msg, m)
		}
	}
}

// TestGeneratedEditorErrorsAreMasked: the request editors passed to a
// method of Generated's client (reqEditors) run before its Doer, and gen
// returns their errors at once; those errors are masked and prefixed like
// every other, and still unwrap to the editor's own error.
func TestGeneratedEditorErrorsAreMasked(t *testing.T) {
	key, static, secret := randomSecret("key"), randomSecret("tok"), randomSecret("secret")
	srv, hits := countingServer(t)
	sentinel := errors.New("editor refused")
	quoting := func(_ context.Context, req *http.Request) error {
		return fmt.Errorf("%w: key %s, token «%s», secret “%s”", sentinel, key, static, secret)
	}
	// Each client is checked for the credentials it holds.
	for name, cl := range map[string]struct {
		source api.Option
		holds  string
	}{
		"app token":           {api.WithAppToken(static), static},
		"partner credentials": {api.WithPartnerCredentials(testPartnerID, secret), secret},
	} {
		c, err := api.NewClient(key, cl.source, api.WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		g := c.Generated()
		if w, ok := g.ClientInterface.(interface{ Unwrap() gen.ClientInterface }); !ok {
			t.Errorf("%s: Generated's ClientInterface (%T) has no Unwrap", name, g.ClientInterface)
		} else if _, ok := w.Unwrap().(*gen.Client); !ok {
			t.Errorf("%s: Unwrap gives a %T, want the *gen.Client", name, w.Unwrap())
		}
		_, err1 := pick(t, kindGET).generated(context.Background(), c, "WithResponse", quoting)
		_, err2 := pick(t, kindPOST).generated(context.Background(), c, "WithResponse", quoting)
		_, err3 := pick(t, kindGETPath).generated(context.Background(), c, "", quoting)
		for i, err := range []error{err1, err2, err3} {
			if !errors.Is(err, sentinel) {
				t.Fatalf("%s %d: got %v, want the editor's error", name, i, err)
			}
			if !strings.HasPrefix(err.Error(), "finicity: ") {
				t.Errorf("%s %d: %q lacks the package's prefix", name, i, err)
			}
			mustContainNone(t, name, fmt.Sprintf("%v\n%+v\n%s\n%#v", err, err, err, err), key, cl.holds)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent after a failing editor", hits.Load())
	}
}

// TestGeneratedTokenResponsePrintsNoToken: the result of Generated's
// CreateTokenWithResponse holds the fresh token in Body (as received) and
// JSON200; printed with any verb it shows neither, and its fields are left
// as they are.
func TestGeneratedTokenResponsePrintsNoToken(t *testing.T) {
	fresh := randomSecret("fresh")
	srv := newScripted(t, reply{status: 200, body: `{"token":"` + fresh + `"}`})
	resp, err := pick(t, kindAuth).generated(context.Background(), newClient(t, srv.URL), "WithResponse")
	if err != nil {
		t.Fatal(err)
	}
	if json200 := genField(resp, "JSON200"); json200.IsNil() || !strings.Contains(string(mustJSON(json200.Interface())), fresh) || !strings.Contains(string(genField(resp, "Body").Bytes()), fresh) {
		t.Fatalf("got %+v, want the token decoded and Body as received", json200)
	}
	r := resp.Interface()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{r, resp.Elem().Interface(), []any{r}} {
			got := fmt.Sprintf(verb, v)
			mustContainNone(t, "CreateTokenResponse "+verb, got, fresh, fmt.Sprintf("%x", fresh))
			if verb != "%x" && !strings.Contains(got, "REDACTED") {
				t.Errorf("%s: %s shows no masked Body", verb, got)
			}
		}
	}
}

// TestGeneratedResultsPrintNoCredential: every operation's
// ClientWithResponses result, for an error answer that quotes the
// request's credentials back (the app key, the token, a secret of the
// body; as they are, JSON-escaped, base64), printed with any verb shows
// none: not in its headers, not in the request behind it, not in the
// decoded error's description.
func TestGeneratedResultsPrintNoCredential(t *testing.T) {
	key, token := randomSecret("key"), randomSecret("tok")
	m := specModel(t)
	for _, o := range m.Operations {
		sc, err := newSpecCall(o, false)
		if err != nil {
			t.Errorf("%v (%s)", err, testFile())
			continue
		}
		var status int
		var schema *openapi3.SchemaRef
		for _, r := range o.Errors() {
			if r.Code >= 400 && r.Schema != nil && r.JSON {
				status, schema = r.Code, r.Schema
				break
			}
		}
		if status == 0 {
			continue
		}
		sent := []string{key}
		if o.Requires("Finicity-App-Token") {
			sent = append(sent, token)
		}
		if body, ok := sc.body.(map[string]any); ok {
			for k, v := range body {
				if s, isString := v.(string); isString && m.Secrets.IsField(k) {
					sent = append(sent, s)
				}
			}
		}
		var echo []string
		for _, s := range sent {
			echo = append(echo, s, testutil.EscapeEvery(s, false), base64.StdEncoding.EncodeToString([]byte(s)))
		}
		text := strings.Join(echo, " ")
		body, err := spec.ErrorBody(schema, spec.ErrorFields{Code: "10010", Status: status, Description: text, Details: text})
		if err != nil {
			t.Fatalf("%s: %v", o.Pointer, err)
		}
		srv := newScripted(t, reply{status: status, body: string(mustJSON(body)), header: map[string]string{"X-Echo": key}})
		c, err := api.NewClient(key, api.WithAppToken(token), api.WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := sc.generated(context.Background(), c, "WithResponse")
		if err != nil {
			t.Fatalf("%s: %v", sc.name(), err)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			mustContainNone(t, o.ID+" "+verb, fmt.Sprintf(verb, resp.Interface()), sent...)
		}
	}
}
