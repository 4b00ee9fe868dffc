package connecttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// TestDefaultsMatchTheSandbox: the kit spells its defaults out, so go doc
// shows their values; they must be the sandbox's own.
func TestDefaultsMatchTheSandbox(t *testing.T) {
	pairs := []struct {
		name      string
		kit, sbox any
	}{
		{"PartnerID", PartnerID, sandbox.DefaultPartnerID},
		{"PartnerSecret", PartnerSecret, sandbox.DefaultPartnerSecret},
		{"DefaultTokenLifetime", DefaultTokenLifetime, sandbox.DefaultTokenLifetime},
		{"DefaultMaxBodyBytes", DefaultMaxBodyBytes, sandbox.DefaultMaxBodyBytes},
		{"InProcessURL", InProcessURL, sandbox.InProcessURL},
	}
	for _, p := range pairs {
		if p.kit != p.sbox {
			t.Errorf("%s: kit %v, sandbox %v", p.name, p.kit, p.sbox)
		}
	}
}

// TestCloseEndsServedDelays: Close does not wait out a scripted delay of
// a served request (httptest.Server.Close waits for requests in flight):
// the delay ends, and the client sees its connection dropped, not an
// empty 200.
func TestCloseEndsServedDelays(t *testing.T) {
	// A GET that needs no argument: the list of the spec.
	var list *spec.Operation
	for _, op := range specdoc.MustModel().Operations {
		if op.Sandbox != nil && op.Sandbox.Action == "list" {
			list = op
			break
		}
	}
	if list == nil {
		t.Fatal("openapi.yaml has no x-sandbox list operation, which api/connecttest/internal_test.go calls")
	}
	srv := NewServer(t)
	arrived := make(chan struct{}, 1)
	srv.observed = func() { arrived <- struct{}{} }
	srv.Inject(list.Qualified(), 1, Delay(time.Hour))
	c := srv.ServedClient(api.WithRetries(0))
	done := make(chan error, 1)
	go func() {
		done <- apicall.Call(context.Background(), c, list.ID, &apicall.Input{})
	}()
	<-arrived
	srv.Close() // would block for an hour without the fix
	err := <-done
	if err == nil {
		t.Fatal("the delayed call succeeded")
	}
	if _, ok := errors.AsType[*api.DecodeError](err); ok {
		t.Errorf("got %v, want a dropped connection", err)
	}
}

// TestGivesToken: an option is told a source of Finicity-App-Token by
// what it sets, without a client built: the kit then leaves its own out.
func TestGivesToken(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []api.Option
		want bool
	}{
		{"none", nil, false},
		{"other options", []api.Option{api.WithRetries(1), nil, api.WithBaseURL(InProcessURL)}, false},
		{"app token", []api.Option{api.WithRetries(1), api.WithAppToken("tok")}, true},
		{"partner credentials", []api.Option{api.WithPartnerCredentials(PartnerID, PartnerSecret)}, true},
		{"an invalid one", []api.Option{api.WithAppToken(" ")}, false},
	} {
		if got := givesToken(tc.opts); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
