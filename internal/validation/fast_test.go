package validation_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/specdoc"
)

type fuzzOp struct {
	method, path string
	statuses     []int
}

// fuzzOps' paths hold %s where the fuzzed path parameter goes; the other
// parameters are fixed.
var fuzzOps = []fuzzOp{
	{"POST", "/connect-components/configurations", []int{201, 400, 401}},
	{"GET", "/connect-components/configurations", []int{200, 401}},
	{"GET", "/connect-components/configurations/%s", []int{200, 401, 404}},
	{"DELETE", "/connect-components/configurations/%s", []int{204, 401, 404}},
	{"POST", "/connect-components/institutions/%s/login-forms", []int{201, 400, 401, 404}},
	{"POST", "/connect-components/institutions/%s/oauth-urls", []int{201, 400, 401, 404}},
	{"POST", "/connect-components/customers/1005061234/institution-login-ids/%s/reconnections", []int{201, 203, 400, 401}},
	{"POST", "/aggregation/v2/partners/authentication", []int{200, 400, 401}},
}

var fuzzSeeds = []string{
	benchLoginBody, benchFormBody, `{}`, `null`, `[]`, ``, `{"filterAccounts":["Checking","Savings"],"aoRequired":false}`,
	`{"filterAccounts":[""]}`, `{"aoRequired":"no"}`,
	`{"redirectURI":"https://x.example/cb","customerId":"1","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32+01:00"}}`,
	`{"redirectURI":"x","customerId":"1","serviceAgreement":{"language":"en","acceptedDate":"2024-02-30T18:25:32Z"}}`,
	`{"language":"en","customerId":"1","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T24:25:32Z"}}`,
	`{"language":"en","customerId":"1","customerId":"2","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32.5Z"}}`,
	`{"partnerId":"p","partnerSecret":"s"}`, `{"partnerId":"","partnerSecret":"s"}`, `{"token":"t"}`,
	`[{"id":"605543e1-f507-48ad-8127-95c40566597b","filterAccounts":["a"],"x":{"y":[1,2.5,-3,null,true]}}]`,
	`[{"mfaChallenges":[{"id":"3c9a1f0e-7d42-4b8e-9a1d-2f6b5c4e8d01","mfaType":"TFA_TEXT","prompt":"p","choiceIds":[],"eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137"}]}]`,
	`[{"mfaChallenges":[]}]`,
	`{"Errors":{"Error":[{"ReasonCode":"10010","Recoverable":false}]}}`, `{"Errors":{}}`,
	`{"id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137","elements":[{"id":"26410b1f-0347-4d57-bb03-f44d00e785e2","label":"u","sortOrder":10,"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}]}`,
	`{"id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137","url":"https://u.example/x"}`,
}

// FuzzFastPathAgrees checks the fast path never accepts a request or a
// response body that openapi3filter rejects.
func FuzzFastPathAgrees(f *testing.F) {
	params := []string{"605543e1-f507-48ad-8127-95c40566597b", "170716", "7008461438", "-1", "1.0", "x", "605543e1-f507-48ad-8127-95c40566597", "9223372036854775808"}
	for i := range fuzzOps {
		for j, s := range fuzzSeeds {
			f.Add(uint8(i), uint8(0), s, "application/json", params[j%len(params)])
		}
	}
	f.Add(uint8(2), uint8(1), `{}`, "application/json; charset=utf-8", params[0])
	f.Add(uint8(4), uint8(0), benchLoginBody, "text/plain", params[1])
	v := specdoc.MustValidator()
	slow := v.SlowOnly()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, opIdx, statusIdx uint8, body, contentType, param string) {
		op := fuzzOps[int(opIdx)%len(fuzzOps)]
		path := op.path
		if strings.Contains(path, "%s") {
			path = fmt.Sprintf(path, url.PathEscape(param))
		}
		header := http.Header{"Finicity-App-Key": {"k"}, "Finicity-App-Token": {"t"}, "Content-Type": {contentType}}
		req, err := http.NewRequest(op.method, "http://127.0.0.1"+path, io.NopCloser(bytes.NewReader([]byte(body))))
		if err != nil {
			return // not a URL: nothing a client could send
		}
		req.Header = header.Clone()
		if fast, err := v.FastRequest(req, []byte(body)); err == nil && fast {
			if _, err := slow.ValidateRequest(ctx, req); err != nil {
				t.Errorf("fast path accepted a request openapi3filter rejects: %s %s %q: %v", op.method, path, body, err)
			}
		}
		status := op.statuses[int(statusIdx)%len(op.statuses)]
		rh := http.Header{"Content-Type": {contentType}}
		if fast, _ := v.FastResponse(op.method, req.URL.Path, status, rh, []byte(body)); fast {
			if err := slow.ValidateResponse(ctx, req, status, rh, []byte(body)); err != nil {
				t.Errorf("fast path accepted a %d response openapi3filter rejects: %s %s %q: %v", status, op.method, path, body, err)
			}
		}
	})
}

// TestFastPathTakesCommonCases guards the speed claim: the usual valid
// messages must be settled by the fast path, not fall through.
func TestFastPathTakesCommonCases(t *testing.T) {
	v := specdoc.MustValidator()
	h := http.Header{"Finicity-App-Key": {"k"}, "Finicity-App-Token": {"t"}, "Content-Type": {"application/json"}}
	cases := []struct {
		method, path string
		body         string
	}{
		{"POST", loginPath, benchLoginBody},
		{"POST", "/connect-components/configurations", `{}`},
		{"GET", "/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b", ``},
		{"POST", "/connect-components/customers/1005061234/institution-login-ids/7008461438/reconnections", `null`},
	}
	mk := func(method, path string) *http.Request {
		r, err := http.NewRequest(method, "http://127.0.0.1"+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header = h
		return r
	}
	for _, c := range cases {
		if ok, err := v.FastRequest(mk(c.method, c.path), []byte(c.body)); !ok || err != nil {
			t.Errorf("%s %s %s: fast path did not accept (%v)", c.method, c.path, c.body, err)
		}
	}
	if ok, _ := v.FastResponse("POST", loginPath, 201, h, []byte(benchFormBody)); !ok {
		t.Error("login form response not accepted by the fast path")
	}
	if ok, _ := v.FastResponse("DELETE", "/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b", 204, http.Header{}, nil); !ok {
		t.Error("204 not accepted by the fast path")
	}
	// And the fast path must not accept what is plainly wrong.
	for _, body := range []string{`{"language":"en"}`, `{`, `{"language":"en","customerId":"1","serviceAgreement":{"language":"en","acceptedDate":"nope"}}`} {
		if ok, _ := v.FastRequest(mk("POST", loginPath), []byte(body)); ok {
			t.Errorf("fast path accepted %s", body)
		}
	}
	if !strings.Contains(loginPath, "login-forms") {
		t.Fatal("loginPath changed")
	}
}
