package sandbox_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// FuzzSandbox sends arbitrary requests and asserts the sandbox never
// panics (a panic is caught and answered 500, which fails here), never
// writes an answer that violates the spec, and only answers statuses the
// operation documents. Requests outside the spec may only get 404 or 405
// (or 302/404 on an OAuth session page). The same holds for a sandbox of
// a spec with no x- extension (testdata/anyapi.yaml): composed schemas,
// a PDF, errors of their own shapes.
//
//	go test -fuzz=FuzzSandbox -fuzztime=30s ./internal/sandbox
func FuzzSandbox(f *testing.F) {
	// The seeds of the embedded spec are its operations' paths and example
	// bodies, valid and each broken one way.
	cfg, login, oauth, recon, token := cfgPath(f), loginPath(f), oauthPath(f), reconPath(f), tokenPath(f)
	seeds := []struct{ method, path, key, token, ctype, body string }{
		{"POST", cfg, keyA, anyTok, "application/json", bodyText(f, opCreate, map[string]any{"filterAccounts": []string{"Checking"}, "aoRequired": true})},
		{"POST", cfg, keyA, anyTok, "application/json", bodyText(f, opCreate, map[string]any{"filterAccounts": []string{""}})},
		{"POST", cfg, "", anyTok, "application/json", bodyText(f, opCreate, nil)},
		{"GET", cfg, keyA, "", "", ""},
		{"GET", cfgItemPath(f, "605543e1-f507-48ad-8127-95c40566597b"), keyA, anyTok, "", ""},
		{"DELETE", opPath(f, opDelete, sandbox.RawSegment("%zz")), keyA, anyTok, "", ""},
		{"POST", login, keyA, anyTok, "application/json", bodyText(f, opLoginForm, nil)},
		{"POST", oauth, keyA, anyTok, "application/json", bodyText(f, opOAuthURL, nil)},
		{"POST", oauth, keyA, anyTok, "application/json; charset=utf-8", bodyText(f, opOAuthURL, map[string]any{"redirectURI": "x:", "configurationId": "00000000-0000-0000-0000-000000000000"})},
		{"POST", recon, keyA, anyTok, "application/json", `null`},
		{"POST", opPath(f, opReconnect, sandbox.RawSegment("%2F"), sandbox.RawSegment("-9223372036854775808")), keyA, anyTok, "", ""},
		{"POST", opPath(f, opReconnect, sandbox.RawSegment("a%2Fb"), 5), keyA, anyTok, "application/json", bodyText(f, opReconnect, nil)},
		{"POST", opPath(f, opReconnect, sandbox.RawSegment("a%2Fb"), sandbox.RawSegment("x%2F5")), keyA, anyTok, "application/json", bodyText(f, opReconnect, nil)},
		{"POST", token, keyA, "", "application/json", tokenBody(f, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)},
		{"GET", "/oauth/605543e1-f507-48ad-8127-95c40566597b", "", "", "", ""},
		{"PATCH", "//", "k", "t", "text/plain", "\x00\xff"},
		{"GET", cfg + "/", keyA, anyTok, "", ""},
		{"GET", "/x" + cfg, keyA, anyTok, "", ""},
		{"GET", "/applications?limit=5&since=2024-01-02", keyA, "", "", ""},
		{"GET", "/aggregation/v2/partners/applications/42", keyA, "", "", ""},
		{"GET", "/accounts/-7/statement?from=2024-02-30", keyA, "", "", ""},
		{"POST", "/payments", keyA, "", "application/json", `{"amount":0.5,"currency":"EUR","executeOn":"2024-01-02"}`},
		{"GET", "/health", "", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.key, s.token, s.ctype, []byte(s.body))
	}
	sb := sandbox.New(sandbox.WithMaxBodyBytes(4096))
	m := specdoc.MustModel()
	anyModel, err := spec.Load(anySpecFile)
	if err != nil {
		f.Fatal(err)
	}
	var anyViolation error
	anySB := sandbox.New(sandbox.WithModel(anyModel), sandbox.WithResponseValidation(func(err error) { anyViolation = err }))
	f.Fuzz(func(t *testing.T, method, path, key, token, ctype string, body []byte) {
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request any client could send
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Finicity-App-Key", key)
		req.Header.Set("Finicity-App-Token", token)
		var violation error
		rec := httptest.NewRecorder()
		sandbox.New(sandbox.WithResponseValidation(func(err error) { violation = err })).ServeHTTP(rec, req.Clone(req.Context()))
		if violation != nil {
			t.Fatalf("%s %q: %v", method, path, violation)
		}
		// Also through the long-lived sandbox, whose state the fuzzer grows.
		rec2 := httptest.NewRecorder()
		req.Body = http.NoBody
		if len(body) > 0 {
			req.Body = nopCloser{bytes.NewReader(body)}
		}
		sb.ServeHTTP(rec2, req)
		for _, status := range []int{rec.Code, rec2.Code} {
			if status >= 500 {
				t.Fatalf("%s %q: status %d: %s", method, path, status, rec.Body.Bytes())
			}
			path := req.URL.EscapedPath() // routed as the sandbox does: exactly
			op, _, err := m.Find(req.Method, path)
			if err != nil {
				if status != 302 && status != 404 && status != 405 {
					t.Fatalf("%s %q outside the spec: status %d", method, path, status)
				}
				continue
			}
			if op.Response(status) == nil {
				t.Fatalf("%s %q (%s): status %d is not documented", method, path, op.ID, status)
			}
		}

		// The spec with no x- extension, its API key in its own header.
		anyReq := req.Clone(req.Context())
		anyReq.Body = http.NoBody
		if len(body) > 0 {
			anyReq.Body = nopCloser{bytes.NewReader(body)}
		}
		anyReq.Header.Set("X-Api-Key", key)
		anyViolation = nil
		rec3 := httptest.NewRecorder()
		anySB.ServeHTTP(rec3, anyReq)
		if anyViolation != nil {
			t.Fatalf("any spec: %s %q: %v", method, path, anyViolation)
		}
		op, _, err := anyModel.Find(anyReq.Method, anyReq.URL.EscapedPath())
		switch {
		case rec3.Code >= 500:
			t.Fatalf("any spec: %s %q: status %d: %s", method, path, rec3.Code, rec3.Body.Bytes())
		case err != nil && rec3.Code != 404 && rec3.Code != 405:
			t.Fatalf("any spec: %s %q outside the spec: status %d", method, path, rec3.Code)
		case err == nil && op.Response(rec3.Code) == nil:
			t.Fatalf("any spec: %s %q (%s): status %d is not documented", method, path, op.ID, rec3.Code)
		}
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
