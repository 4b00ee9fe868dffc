package sandbox_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/finicity-go/connect-components/internal/sandbox"
)

// TestRejections covers every way a request is refused, with the exact
// status, reason code and the field named in Details. Each body is the
// operation's example with the one field under test changed.
func TestRejections(t *testing.T) {
	_, srv := newSandbox(t, sandbox.WithMaxBodyBytes(256))
	unknownID := "9082affa-d965-40be-a3ed-a320bb3467ff"
	cfg, login, oauth, recon, token := cfgPath(t), loginPath(t), oauthPath(t), reconPath(t), tokenPath(t)
	cfgBody := func(set map[string]any) string { return bodyText(t, opCreate, set) }
	loginBody := func(set map[string]any) string { return bodyText(t, opLoginForm, set) }
	oauthBody := func(set map[string]any) string { return bodyText(t, opOAuthURL, set) }
	// The token path's last two segments, without what comes before.
	segments := strings.Split(token, "/")
	tokenTail := "/" + strings.Join(segments[max(len(segments)-2, 0):], "/")
	cases := []struct {
		name    string
		req     raw
		status  int
		reason  string
		details string // substring of Details
	}{
		{"missing app key", raw{method: "GET", path: cfg, token: anyTok}, 401, "10026", "Finicity-App-Key"},
		{"missing app key on CreateToken", raw{method: "POST", path: token, body: tokenBody(t, "a", "b")}, 401, "10026", "Finicity-App-Key"},
		{"missing token", raw{method: "GET", path: cfg, key: keyA}, 401, "10022", "Finicity-App-Token header is required"},
		{"missing token on delete", raw{method: "DELETE", path: cfgItemPath(t, unknownID), key: keyA}, 401, "10022", "Finicity-App-Token"},
		{"filterAccounts not an array", raw{method: "POST", path: cfg, key: keyA, token: anyTok, body: cfgBody(map[string]any{"filterAccounts": "Checking"})}, 400, "10010", "body filterAccounts"},
		{"filterAccounts item empty", raw{method: "POST", path: cfg, key: keyA, token: anyTok, body: cfgBody(map[string]any{"filterAccounts": []string{""}})}, 400, "10010", "body filterAccounts.0"},
		{"aoRequired not a bool", raw{method: "POST", path: cfg, key: keyA, token: anyTok, body: cfgBody(map[string]any{"aoRequired": "yes"})}, 400, "10010", "body aoRequired"},
		{"body not JSON", raw{method: "POST", path: cfg, key: keyA, token: anyTok, body: `{`}, 400, "10010", "body"},
		{"body null", raw{method: "POST", path: cfg, key: keyA, token: anyTok, body: `null`}, 400, "10010", "body"},
		{"body missing", raw{method: "POST", path: cfg, key: keyA, token: anyTok}, 400, "10010", "body"},
		{"wrong content type", raw{method: "POST", path: cfg, key: keyA, token: anyTok, contentType: "text/plain", body: cfgBody(nil)}, 400, "10010", "body"},
		{"body over the limit", raw{method: "POST", path: cfg, key: keyA, token: anyTok, body: cfgBody(map[string]any{"filterAccounts": []string{strings.Repeat("x", 300)}})}, 400, "10010", "larger than the sandbox limit of 256 bytes"},
		{"bad uuid on get", raw{method: "GET", path: cfgItemPath(t, "not-a-uuid"), key: keyA, token: anyTok}, 404, "4041", "path configuration_id"},
		{"bad uuid on delete", raw{method: "DELETE", path: cfgItemPath(t, "not-a-uuid"), key: keyA, token: anyTok}, 404, "4041", "path configuration_id"},
		{"unknown id on get", raw{method: "GET", path: cfgItemPath(t, unknownID), key: keyA, token: anyTok}, 404, "4041", "No configuration with that id"},
		{"unknown id on delete", raw{method: "DELETE", path: cfgItemPath(t, unknownID), key: keyA, token: anyTok}, 404, "4041", "No configuration with that id"},
		{"login form without customerId", raw{method: "POST", path: login, key: keyA, token: anyTok, body: loginBody(map[string]any{"customerId": absent})}, 400, "10010", "customerId"},
		{"login form bad acceptedDate", raw{method: "POST", path: login, key: keyA, token: anyTok, body: loginBody(map[string]any{"serviceAgreement.acceptedDate": "yesterday"})}, 400, "10010", "body serviceAgreement.acceptedDate: must be an RFC 3339 date-time"},
		{"login form bad configurationId", raw{method: "POST", path: login, key: keyA, token: anyTok, body: loginBody(map[string]any{"configurationId": "x"})}, 400, "10010", "body configurationId"},
		{"login form unknown configurationId", raw{method: "POST", path: login, key: keyA, token: anyTok, body: loginBody(map[string]any{"configurationId": unknownID})}, 404, "4041", "configurationId"},
		{"login form institution not an integer", raw{method: "POST", path: opPath(t, opLoginForm, "abc"), key: keyA, token: anyTok, body: loginBody(nil)}, 400, "10010", "path institution_id"},
		{"oauth relative redirectURI", raw{method: "POST", path: oauth, key: keyA, token: anyTok, body: oauthBody(map[string]any{"redirectURI": "/done"})}, 400, "10010", "body redirectURI: must be an absolute URI"},
		{"oauth unknown configurationId", raw{method: "POST", path: oauth, key: keyA, token: anyTok, body: oauthBody(map[string]any{"configurationId": unknownID})}, 404, "4041", "configurationId"},
		{"reconnection body missing", raw{method: "POST", path: recon, key: keyA, token: anyTok}, 400, "10010", "body: value is required but missing"},
		{"reconnection body an array", raw{method: "POST", path: recon, key: keyA, token: anyTok, body: `[]`}, 400, "10010", "body"},
		{"reconnection login id not an integer", raw{method: "POST", path: opPath(t, opReconnect, nil, "x"), key: keyA, token: anyTok, body: bodyText(t, opReconnect, nil)}, 400, "10010", "path institution_login_id"},
		{"token without partnerSecret", raw{method: "POST", path: token, key: keyA, body: bodyText(t, opToken, map[string]any{"partnerId": sandbox.DefaultPartnerID, "partnerSecret": absent})}, 400, "10010", "partnerSecret"},
		{"token with wrong secret", raw{method: "POST", path: token, key: keyA, body: tokenBody(t, sandbox.DefaultPartnerID, "nope")}, 401, "10024", "partnerId or partnerSecret"},
		{"unknown path", raw{method: "GET", path: "/connect-components/nothing", key: keyA, token: anyTok}, 404, "4041", "No operation for this path"},
		{"prefixed path", raw{method: "GET", path: "/v1" + cfg, key: keyA, token: anyTok}, 404, "4041", "No operation for this path"},
		{"trailing slash", raw{method: "GET", path: cfg + "/", key: keyA, token: anyTok}, 404, "4041", "No operation for this path"},
		{"trailing slash after an id", raw{method: "GET", path: cfgItemPath(t, unknownID) + "/", key: keyA, token: anyTok}, 404, "4041", "No operation for this path"},
		{"the token path's tail alone", raw{method: "POST", path: tokenTail, key: keyA, body: tokenBody(t, "a", "b")}, 404, "4041", "No operation for this path"},
		{"wrong method", raw{method: "PUT", path: cfg, key: keyA, token: anyTok}, 405, "4041", "No operation for method PUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := tc.req.send(t, srv)
			if status != tc.status {
				t.Fatalf("status: got %d, want %d; body %s", status, tc.status, body)
			}
			item := errorItem(t, body)
			if item.ReasonCode != tc.reason {
				t.Errorf("ReasonCode: got %q, want %q", item.ReasonCode, tc.reason)
			}
			if !strings.Contains(item.Details, tc.details) {
				t.Errorf("Details: got %q, want it to contain %q", item.Details, tc.details)
			}
			if item.Source != "Connect-Components" || item.Description == "" || item.Recoverable {
				t.Errorf("error item: got %+v, want Source Connect-Components, a Description, not recoverable", item)
			}
		})
	}
}

// TestErrorsNeverEchoValues: a rejected secret-looking value must not come
// back in the error body, where a client might log it.
func TestErrorsNeverEchoValues(t *testing.T) {
	_, srv := newSandbox(t)
	secret := "s3cr3t-value-do-not-echo"
	for _, r := range []raw{
		{method: "POST", path: tokenPath(t), key: keyA, body: tokenBody(t, sandbox.DefaultPartnerID, secret)},
		{method: "POST", path: tokenPath(t), key: keyA, body: bodyText(t, opToken, map[string]any{"partnerId": secret, "partnerSecret": 7})},
		{method: "POST", path: cfgPath(t), key: keyA, token: anyTok, body: bodyText(t, opCreate, map[string]any{"aoRequired": secret})},
		{method: "GET", path: cfgItemPath(t, secret), key: keyA, token: anyTok},
	} {
		if _, body := r.send(t, srv); strings.Contains(string(body), secret) {
			t.Errorf("%s %s: body echoes the value: %s", r.method, r.path, body)
		}
	}
}

// TestBodyOnBodylessOperationIsNotRead: a large body sent with an operation
// that takes none is ignored without being read into memory.
func TestBodyOnBodylessOperationIsNotRead(t *testing.T) {
	sb := sandbox.New(sandbox.WithMaxBodyBytes(256))
	var read atomic.Int64
	body := &countingReader{n: &read, left: 8 << 20}
	req := httptest.NewRequest("GET", cfgPath(t), body)
	req.Header.Set("Finicity-App-Key", "k")
	req.Header.Set("Finicity-App-Token", "t")
	rec := httptest.NewRecorder()
	sb.ServeHTTP(rec, req)
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("got %d %s, want 200 []", rec.Code, rec.Body)
	}
	if read.Load() > 0 {
		t.Errorf("the sandbox read %d bytes of a body the operation does not take", read.Load())
	}
}

// countingReader yields left zero bytes and counts what was read.
type countingReader struct {
	n    *atomic.Int64
	left int
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.left)
	clear(p[:k])
	c.left -= k
	c.n.Add(int64(k))
	return k, nil
}
