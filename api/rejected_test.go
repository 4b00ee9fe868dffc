package api_test

import (
	"context"
	"errors"
	"testing"

	"github.com/finicity-go/connect-components/api"
)

// gatewayHTML is what a proxy in front of the API answers with: not the
// API's error object.
const gatewayHTML = "<html><body><h1>400 Bad Request</h1>nginx</body></html>\n"

// TestAuthenticateRejection: errors.Is(err, ErrCredentialsRejected) holds
// for the error of Partners.Authenticate exactly when the API itself
// refused the credentials (401 or 403 with its error object).
func TestAuthenticateRejection(t *testing.T) {
	tests := []struct {
		name string
		rp   reply
		want bool
	}{
		{"401 API error", reply{status: 401, body: rejectedJSON}, true},
		{"403 API error", reply{status: 403, body: rejectedJSON}, true},
		{"400 API error", reply{status: 400, body: badRequestJSON}, false},
		{"400 gateway HTML", reply{status: 400, header: map[string]string{"Content-Type": "text/html"}, body: gatewayHTML}, false},
		{"401 gateway HTML", reply{status: 401, header: map[string]string{"Content-Type": "text/html"}, body: gatewayHTML}, false},
		{"401 empty", reply{status: 401}, false},
		{"403 JSON without items", reply{status: 403, body: `{"Errors":{"Error":[]}}`}, false},
		{"502 gateway HTML", reply{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: gatewayHTML}, false},
		{"503", reply{status: 503}, false},
	}
	auth := pick(t, kindAuth)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, tc.rp)
			c := newClient(t, srv.URL)
			err := auth.call(context.Background(), c)
			if _, ok := errors.AsType[*api.Error](err); !ok {
				t.Fatalf("got %v, want an *api.Error", err)
			}
			if got := errors.Is(err, api.ErrCredentialsRejected); got != tc.want {
				t.Errorf("errors.Is(err, ErrCredentialsRejected) = %v, want %v (%v)", got, tc.want, err)
			}
		})
	}
}

// TestGatewayAnswerIsNotARejection: partner authentication answered by a
// gateway's HTML page is an ordinary failure: a later call authenticates
// again, and succeeds.
func TestGatewayAnswerIsNotARejection(t *testing.T) {
	for _, status := range []int{400, 401, 403, 502} {
		srv := newScripted(t,
			reply{status: status, header: map[string]string{"Content-Type": "text/html"}, body: gatewayHTML},
			reply{status: 200, body: tokenJSON},
			getOK())
		c := newPartnerClient(t, srv.URL)
		err := listCall(context.Background(), c)
		if err == nil || errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("%d: first call: got %v, want an ordinary failure", status, err)
		}
		if err := listCall(context.Background(), c); err != nil {
			t.Fatalf("%d: second call: %v", status, err)
		}
		if got := srv.count(); got != 3 {
			t.Errorf("%d: requests: got %d, want 3 (failed authentication, authentication, list)", status, got)
		}
	}
}
