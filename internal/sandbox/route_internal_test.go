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
	const tail = "/institution-login-ids/5/reconnections"
	cases := []struct {
		path   string
		params map[string]string // nil: not routed
	}{
		{"/connect-components/customers/1005061234" + tail, map[string]string{"customer_id": "1005061234", "institution_login_id": "5"}},
		{"/connect-components/customers/a%2Fb" + tail, map[string]string{"customer_id": "a/b", "institution_login_id": "5"}},
		{"/connect-components/customers/a%2fb" + tail, map[string]string{"customer_id": "a/b", "institution_login_id": "5"}},
		{"/connect-components/customers/%2F%2F" + tail, map[string]string{"customer_id": "//", "institution_login_id": "5"}},
		{"/connect-components/customers/a%252Fb" + tail, map[string]string{"customer_id": "a%2Fb", "institution_login_id": "5"}},
		{"/connect-components/customers/a%20b%3Fc%23d%C3%A9" + tail, map[string]string{"customer_id": "a b?c#dé", "institution_login_id": "5"}},
		{"/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b", map[string]string{"configuration_id": "605543e1-f507-48ad-8127-95c40566597b"}},
		{"/connect-components/customers/a/b" + tail, nil},
		{"/x/connect-components/customers/a%2Fb" + tail, nil},
		{"/connect-components/customers/" + tail, nil},
		{"/connect-components/customers/1005061234" + tail + "/", nil},
		{"/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b/", nil},
	}
	for _, tc := range cases {
		method := "POST"
		if tc.params["configuration_id"] != "" {
			method = "GET"
		}
		_, params, err := s.route(httptest.NewRequest(method, "http://127.0.0.1"+tc.path, nil))
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
