package sandbox_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// TestReconnectionBody: the spec requires the body, as a JSON object or
// null. An absent body is refused with the documented 400 naming the body;
// null and any object are accepted.
func TestReconnectionBody(t *testing.T) {
	_, srv := newSandbox(t)
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
		details     string // for a 400: Details, exactly
	}{
		{"absent", "", "", 400, "body: value is required but missing"},
		{"absent, with a JSON content type", "application/json", "", 400, "body: value is required but missing"},
		{"null", "", "null", 201, ""},
		{"empty object", "", "{}", 201, ""},
		{"any object", "", `{"reason":"credentials changed","n":[1,2]}`, 201, ""},
		{"an array", "", "[]", 400, "body: value must be an object"},
		{"a string", "", `"x"`, 400, "body: value must be an object"},
		{"not JSON", "", "{", 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := raw{method: "POST", path: reconPath(t), key: keyA, token: anyTok, contentType: tc.contentType, body: tc.body}.send(t, srv)
			if status != tc.status {
				t.Fatalf("got %d %s, want %d", status, body, tc.status)
			}
			if status != 400 {
				return
			}
			item := errorItem(t, body)
			if item.ReasonCode != gen.ReasonInvalidField || !strings.HasPrefix(item.Details, "body") {
				t.Errorf("got %s %q, want %s naming the body", item.ReasonCode, item.Details, gen.ReasonInvalidField)
			}
			if tc.details != "" && item.Details != tc.details {
				t.Errorf("Details: got %q, want %q", item.Details, tc.details)
			}
		})
	}

	// The generated client can send no body at all (WithBody, nil); it
	// gets the same answer, decoded.
	c := genClient(t, srv, keyA, anyTok)
	r, err := c.PostReconnectionsWithBodyWithResponse(context.Background(), "1005061234", 7008461431, specOp(t, opReconnect).Body.ContentType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode() != 400 || r.JSON400 == nil || r.JSON400.Errors.Error[0].ReasonCode != gen.ReasonInvalidField {
		t.Errorf("generated client, no body: got %d %s, want 400 %s", r.StatusCode(), r.Body, gen.ReasonInvalidField)
	}
}

// TestEncodedPathSegments: a customer_id holding an encoded "/" (or any
// other escape) is routed, and the parameter is the unescaped value. A
// "/" left unencoded adds a segment, and no operation has that path.
func TestEncodedPathSegments(t *testing.T) {
	_, srv := newSandbox(t)
	loginBody, reconBody := bodyText(t, opLoginForm, nil), bodyText(t, opReconnect, nil)
	recon := func(customer, loginID string) string {
		return opPath(t, opReconnect, sandbox.RawSegment(customer), sandbox.RawSegment(loginID))
	}
	for _, tc := range []struct {
		path, body string
		status     int
		details    string // for a 400, the start of Details
	}{
		{recon("a%2Fb", "7008461431"), reconBody, 201, ""},
		{recon("a%2Fb", "5"), reconBody, 203, ""},
		{recon("%2F", "1"), reconBody, 201, ""},
		{recon("a%252Fb", "1"), reconBody, 201, ""},
		{recon("a%20b%3F%23", "1"), reconBody, 201, ""},
		{recon("a/b", "1"), reconBody, 404, ""},
		// An integer parameter with an encoded "/" is no integer, even when
		// the decoded path would end in digits.
		{recon("a", "x%2F5"), reconBody, 400, "path institution_login_id"},
		{opPath(t, opLoginForm, sandbox.RawSegment("1%2F2")), loginBody, 400, "path institution_id"},
		{opPath(t, opLoginForm, sandbox.RawSegment("%31")), loginBody, 201, ""}, // %31 is "1"
	} {
		status, body := raw{method: "POST", path: tc.path, key: keyA, token: anyTok, body: tc.body}.send(t, srv)
		if status != tc.status {
			t.Errorf("%s: got %d %s, want %d", tc.path, status, body, tc.status)
			continue
		}
		switch status {
		case 404:
			if item := errorItem(t, body); item.ReasonCode != gen.ReasonNotFound || item.Details != "No operation for this path." {
				t.Errorf("%s: got %+v", tc.path, item)
			}
		case 400:
			if item := errorItem(t, body); item.ReasonCode != gen.ReasonInvalidField || !strings.HasPrefix(item.Details, tc.details) {
				t.Errorf("%s: got %+v, want Details starting %q", tc.path, item, tc.details)
			}
		}
	}
}

// TestEncodedCustomerIDThroughTheClient: the SDK escapes a customer id
// with "/" in it, and the sandbox routes it, over a socket and in
// process, with the client's own request validation on or off.
func TestEncodedCustomerIDThroughTheClient(t *testing.T) {
	sb, srv := newSandbox(t)
	ctx := context.Background()
	clients := map[string]*api.Client{
		"loopback":            apiClient(t, srv, keyA, anyTok),
		"loopback, validated": apiClient(t, srv, keyA, anyTok, api.WithRequestValidation()),
		"in process":          inProcessClient(t, sb, keyA, anyTok),
	}
	for name, c := range clients {
		for _, customer := range []string{"a/b", "/", "a b/c?d%é#x"} {
			var resp *http.Response
			r, err := c.Reconnections.Create(ctx, customer, 5, typedBody[api.ReconnectionParams](t, opReconnect, nil), api.WithResponseInto(&resp))
			if err != nil {
				t.Errorf("%s, customer %q: %v", name, customer, err)
				continue
			}
			if resp.StatusCode != 203 || len(r.Challenges()) != 1 || r.Challenges()[0].MFAType != "TFA_MULTI" {
				t.Errorf("%s, customer %q: got %d %#v, want 203 TFA_MULTI", name, customer, resp.StatusCode, r)
			}
			if !strings.Contains(resp.Request.URL.EscapedPath(), "/customers/") || strings.Count(resp.Request.URL.EscapedPath(), "/") != 6 {
				t.Errorf("%s, customer %q: sent as %s, want one escaped segment", name, customer, resp.Request.URL.EscapedPath())
			}
		}
		r, err := c.Reconnections.Create(ctx, "a/b", 1, typedBody[api.ReconnectionParams](t, opReconnect, nil))
		if err != nil || r.NeedsMFA() {
			t.Errorf("%s, login id 1: got %v %#v, want a login form", name, err, r)
		}
	}
}
