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

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

// fuzzSeeds are hand-picked bodies tried on every operation, on top of the
// seeds derived from the spec (fuzzseeds_test.go): escapes, duplicate keys,
// edge dates and shapes of other operations' bodies.
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
	v := specdoc.MustValidator()
	ops := specFuzzOps(v.Doc())
	for _, s := range specSeeds(ops) {
		f.Add(s.op, s.status, s.body, "application/json", s.param)
	}
	params := []string{"605543e1-f507-48ad-8127-95c40566597b", "170716", "7008461438", "-1", "1.0", "x", "605543e1-f507-48ad-8127-95c40566597", "9223372036854775808"}
	for i := range ops {
		for j, s := range fuzzSeeds {
			f.Add(uint8(i), uint8(j), s, "application/json", params[j%len(params)])
		}
		f.Add(uint8(i), uint8(0), benchLoginBody, "text/plain", params[i%len(params)])
		f.Add(uint8(i), uint8(1), `{}`, "application/json; charset=utf-8", params[i%len(params)])
	}
	slow := v.SlowOnly()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, opIdx, statusIdx uint8, body, contentType, param string) {
		op := ops[int(opIdx)%len(ops)]
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
		if len(op.statuses) == 0 {
			return
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

// TestSpecSeedsCoverEverySchema guards the derived corpus: every operation
// of the spec gets seeds, and every schema of a body (request or response)
// or of a path parameter gets a valid seed the fast path settles and an
// invalid one openapi3filter rejects.
func TestSpecSeedsCoverEverySchema(t *testing.T) {
	v := specdoc.MustValidator()
	ops := specFuzzOps(v.Doc())
	if want := countOperations(v); len(ops) != want {
		t.Fatalf("%d operations derived, the spec has %d", len(ops), want)
	}
	slow := v.SlowOnly()
	ctx := context.Background()
	h := http.Header{"Content-Type": {"application/json"}}
	seeded := map[uint8]bool{}
	valid, invalid := map[*openapi3.Schema]bool{}, map[*openapi3.Schema]bool{}
	for _, s := range specSeeds(ops) {
		seeded[s.op] = true
		op := ops[s.op]
		path := op.path
		if strings.Contains(path, "%s") {
			path = fmt.Sprintf(path, url.PathEscape(s.param))
		}
		req := newReq(op.method, path, s.body, true)
		var fast, ok bool
		if s.from == fromResponse {
			status := op.statuses[s.status]
			fast, _ = v.FastResponse(op.method, req.URL.Path, status, h, []byte(s.body))
			ok = slow.ValidateResponse(ctx, req, status, h, []byte(s.body)) == nil
		} else {
			fast, _ = v.FastRequest(req, []byte(s.body))
			_, err := slow.ValidateRequest(ctx, newReq(op.method, path, s.body, true))
			ok = err == nil
		}
		valid[s.schema] = valid[s.schema] || (ok && fast)
		invalid[s.schema] = invalid[s.schema] || !ok
	}
	check := func(s *openapi3.Schema, what string) {
		if !valid[s] || !invalid[s] {
			t.Errorf("%s: a valid seed the fast path settles: %v; an invalid seed: %v", what, valid[s], invalid[s])
		}
	}
	for i, op := range ops {
		name := op.method + " " + op.path
		if !seeded[uint8(i)] {
			t.Errorf("%s: no seeds", name)
		}
		if rb := op.op.RequestBody; rb != nil {
			check(rb.Value.Content.Get("application/json").Schema.Value, name+" request body")
		}
		if op.param != nil {
			check(op.param.Schema.Value, name+" parameter "+op.param.Name)
		}
		for _, status := range op.statuses {
			if mt := op.op.Responses.Status(status).Value.Content.Get("application/json"); mt != nil {
				check(mt.Schema.Value, fmt.Sprintf("%s %d response", name, status))
			}
		}
	}
}

func countOperations(v *validation.Validator) int {
	n := 0
	for _, item := range v.Doc().Paths.Map() {
		n += len(item.Operations())
	}
	return n
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
	// The cases above are only worth something if loginPath is the login
	// form operation, whose body they send.
	r, _, err := v.FindRoute("POST", loginPath)
	if err != nil {
		t.Fatal(err)
	}
	if id := r.Operation.OperationID; id != "PostInstitutionsInstitutionIDLoginForms" {
		t.Fatalf("loginPath routes to %s, want PostInstitutionsInstitutionIdLoginForms", id)
	}
}
