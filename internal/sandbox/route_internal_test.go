package sandbox

import (
	"maps"
	"net/http/httptest"
	"testing"
)

// TestRouteUnescapesSegments: routing splits the escaped path and
// unescapes each segment, so an encoded "/" stays inside its parameter.
func TestRouteUnescapesSegments(t *testing.T) {
	s := New()
	// The reconnection's path has a string and an integer parameter; the
	// configuration's get a uuid.
	recon, get := SpecOp(t, s.model, "Reconnections.Create"), SpecOp(t, s.model, "Configurations.Get")
	if len(recon.PathParams) != 2 || len(get.PathParams) != 1 {
		t.Fatalf("%s and %s: want 2 and 1 path parameters, which internal/sandbox/route_internal_test.go sends", At(recon.Pointer), At(get.Pointer))
	}
	customer, login, cfg := recon.PathParams[0].Name, recon.PathParams[1].Name, get.PathParams[0].Name
	reconPath := func(c string) string { return SpecPath(t, recon, RawSegment(c), RawSegment("5")) }
	params := func(c string) map[string]string { return map[string]string{customer: c, login: "5"} }
	const id = "605543e1-f507-48ad-8127-95c40566597b"
	cases := []struct {
		method, path string
		params       map[string]string // nil: not routed
	}{
		{recon.Method, reconPath("1005061234"), params("1005061234")},
		{recon.Method, reconPath("a%2Fb"), params("a/b")},
		{recon.Method, reconPath("a%2fb"), params("a/b")},
		{recon.Method, reconPath("%2F%2F"), params("//")},
		{recon.Method, reconPath("a%252Fb"), params("a%2Fb")},
		{recon.Method, reconPath("a%20b%3Fc%23d%C3%A9"), params("a b?c#dé")},
		{get.Method, SpecPath(t, get, id), map[string]string{cfg: id}},
		{recon.Method, reconPath("a/b"), nil},
		{recon.Method, "/x" + reconPath("a%2Fb"), nil},
		{recon.Method, reconPath(""), nil},
		{recon.Method, reconPath("1005061234") + "/", nil},
		{get.Method, SpecPath(t, get, id) + "/", nil},
	}
	for _, tc := range cases {
		_, params, err := s.route(httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.path, nil))
		if tc.params == nil {
			if err == nil {
				t.Errorf("%s: routed with %v, want no route", tc.path, params)
			}
			continue
		}
		if err != nil || !maps.Equal(params, tc.params) {
			t.Errorf("%s: got %v %v, want %v", tc.path, params, err, tc.params)
		}
	}
}
