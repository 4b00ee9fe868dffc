package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
)

// The fuzz targets answer a typed method with an arbitrary status and
// body, with and without strict response validation. Nothing may panic; a
// non-2xx is always an *api.Error (possibly inside a *ValidationError)
// carrying that status and the exact body; a 2xx is a value or an error
// that is not an *api.Error, never both and never neither. The seeds run
// as ordinary tests, so they are kept few.

var fuzzStatuses = []int{200, 201, 203, 204, 202, 299, 400, 401, 404, 418, 429, 500, 503, 520}

var fuzzSeeds = []string{
	configJSON,
	"[" + configJSON + "]",
	formJSON,
	oauthJSON,
	mfaJSON,
	tokenJSON,
	expiredJSON,
	`{"Errors":{"Error":[{"ReasonCode":10023,"Recoverable":"no"}]}}`,
	`{"Errors":null}`,
	`null`, ``, `[`, `{"id":"not-a-uuid"}`, "\x00\xff",
}

func addFuzzSeeds(f *testing.F) {
	for i, body := range fuzzSeeds {
		f.Add(uint8(i), []byte(body))
	}
}

// fuzzClient answers every request with status and body, in process.
func fuzzClient(t *testing.T, status int, body []byte, opts ...api.Option) *api.Client {
	hc := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		h := http.Header{"Content-Type": {"application/json"}}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	})}
	return newClient(t, "https://api.example.com", append([]api.Option{api.WithHTTPClient(hc), api.WithRetries(0)}, opts...)...)
}

// fuzzTyped checks the contract of one typed method.
func fuzzTyped(f *testing.F, call func(context.Context, *api.Client) (any, error), check func(t *testing.T, status int, v any)) {
	addFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		status := fuzzStatuses[int(pick)%len(fuzzStatuses)]
		for _, opts := range [][]api.Option{nil, {api.WithResponseValidation()}} {
			v, err := call(context.Background(), fuzzClient(t, status, body, opts...))
			nilValue := v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer || reflect.ValueOf(v).Kind() == reflect.Slice) && reflect.ValueOf(v).IsNil()
			if err != nil {
				if !nilValue {
					t.Fatalf("%d: a value %#v with the error %v", status, v, err)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "finicity: ") {
					t.Fatalf("%d: message %q", status, msg)
				}
				_ = fmt.Sprintf("%+v %#v", err, err)
			}
			apiErr, isAPI := errors.AsType[*api.Error](err)
			if status >= 200 && status <= 299 {
				if isAPI {
					t.Fatalf("%d: a 2xx became an *api.Error: %v", status, err)
				}
				if err == nil && check != nil {
					check(t, status, v)
				}
				continue
			}
			if !isAPI {
				t.Fatalf("%d: got %T %v, want an *api.Error", status, err, err)
			}
			if apiErr.StatusCode != status || !bytes.Equal(apiErr.Body, body) {
				t.Fatalf("%d: *api.Error says %d, body %q; want the answer's", status, apiErr.StatusCode, apiErr.Body)
			}
			_ = fmt.Sprintf("%v %#v", apiErr, apiErr)
		}
	})
}

func FuzzPartnersAuthenticate(f *testing.F) {
	fuzzTyped(f, func(ctx context.Context, c *api.Client) (any, error) {
		return c.Partners.Authenticate(ctx, credentials)
	}, nil)
}

func FuzzConfigurationsList(f *testing.F) {
	fuzzTyped(f, func(ctx context.Context, c *api.Client) (any, error) { return c.Configurations.List(ctx) },
		func(t *testing.T, status int, v any) {
			if v.([]api.Configuration) == nil {
				t.Fatalf("%d: a nil list", status)
			}
		})
}

func FuzzConfigurationsCreate(f *testing.F) {
	fuzzTyped(f, func(ctx context.Context, c *api.Client) (any, error) {
		return c.Configurations.Create(ctx, configParams)
	}, nil)
}

func FuzzConfigurationsGet(f *testing.F) {
	fuzzTyped(f, func(ctx context.Context, c *api.Client) (any, error) { return c.Configurations.Get(ctx, cfgID) }, nil)
}

func FuzzConfigurationsDelete(f *testing.F) {
	fuzzTyped(f, func(ctx context.Context, c *api.Client) (any, error) {
		return nil, c.Configurations.Delete(ctx, cfgID)
	}, nil)
}

func FuzzLoginFormsCreate(f *testing.F) {
	fuzzTyped(f, func(ctx context.Context, c *api.Client) (any, error) {
		return c.LoginForms.Create(ctx, 170716, loginParams)
	}, nil)
}

func FuzzOAuthURLsCreate(f *testing.F) {
	fuzzTyped(f, func(ctx context.Context, c *api.Client) (any, error) {
		return c.OAuthURLs.Create(ctx, 170716, oauthParams)
	}, nil)
}

func FuzzReconnectionsCreate(f *testing.F) {
	fuzzTyped(f, func(ctx context.Context, c *api.Client) (any, error) {
		return c.Reconnections.Create(ctx, "1005061234", 7008461438, api.ReconnectionParams{})
	}, func(t *testing.T, status int, v any) {
		r := v.(*api.Reconnection)
		mfa := status == http.StatusNonAuthoritativeInfo
		if r.NeedsMFA() != mfa || (r.LoginForm == nil) != mfa || (r.ChallengeSets == nil) == mfa {
			t.Fatalf("%d: reconnection %+v: want a login form for a 201, challenge sets for a 203", status, r)
		}
		_ = r.Challenges()
	})
}
