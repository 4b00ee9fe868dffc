package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
)

// The fuzz targets feed arbitrary bodies, statuses and content types to
// every response decoder: the generated ParseXxxResponse functions, and the
// client's typed method end to end (auth, replay sniffing, error
// building). Nothing may panic; a non-2xx must always come back as an
// *api.Error with that status. The seeds run as ordinary tests.

var fuzzStatuses = []int{200, 201, 203, 204, 400, 401, 404, 429, 500, 503, 202, 299, 418}

var fuzzSeeds = []string{
	`{"id":"605543e1-f507-48ad-8127-95c40566597b","filterAccounts":["Checking"],"aoRequired":true}`,
	`[{"id":"605543e1-f507-48ad-8127-95c40566597b"}]`,
	`{"id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137","elements":[{"id":"26410b1f-0347-4d57-bb03-f44d00e785e2","label":"username","sortOrder":0}]}`,
	`{"id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f","url":"https://connect.example.com/o","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137"}`,
	`[{"mfaChallenges":[{"id":"3c9a1f0e-7d42-4b8e-9a1d-2f6b5c4e8d01","mfaType":"TFA_TEXT","prompt":"?","choiceIds":[],"eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137"}]}]`,
	`{"token":"t"}`,
	`{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"10023","Description":"d","Recoverable":false,"Details":"x"}]}}`,
	`{"Errors":{"Error":[{"ReasonCode":10023,"Recoverable":"no"}]}}`,
	`{"Errors":null}`,
	`null`, ``, `[`, `{"id":"not-a-uuid"}`, "\x00\xff",
}

func addSeeds(f *testing.F) {
	for i, body := range fuzzSeeds {
		for j, ct := range []string{"application/json", "text/plain", ""} {
			f.Add(uint8(i+j*5), ct, []byte(body))
		}
	}
}

func fuzzResponse(status uint8, contentType string, body []byte) *http.Response {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	return &http.Response{StatusCode: fuzzStatuses[int(status)%len(fuzzStatuses)], Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
}

// fuzzClient answers every request with the fuzzed response.
func fuzzClient(t *testing.T, status uint8, contentType string, body []byte) (*api.Client, int) {
	code := fuzzStatuses[int(status)%len(fuzzStatuses)]
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp := fuzzResponse(status, contentType, body)
		resp.Request = r
		return resp, nil
	})}
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL("https://api.example.com"), api.WithHTTPClient(hc), api.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c, code
}

// checkTyped asserts the contract of a typed method's result.
func checkTyped(t *testing.T, code int, err error) {
	t.Helper()
	if code >= 200 && code <= 299 {
		return
	}
	if err == nil {
		t.Fatalf("status %d: no error", code)
	}
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		if apiErr.StatusCode != code {
			t.Fatalf("status %d: *api.Error says %d", code, apiErr.StatusCode)
		}
		_ = apiErr.Error()
	} else {
		t.Fatalf("status %d: got %v, want *api.Error with that status", code, err)
	}
}

func fuzzParse[T any](f *testing.F, parse func(*http.Response) (T, error), typed func(context.Context, *api.Client) error) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, status uint8, contentType string, body []byte) {
		_, _ = parse(fuzzResponse(status, contentType, body))
		c, code := fuzzClient(t, status, contentType, body)
		checkTyped(t, code, typed(context.Background(), c))
	})
}

var fuzzID = uuid.MustParse("605543e1-f507-48ad-8127-95c40566597b")

func FuzzDecodeCreateToken(f *testing.F) {
	fuzzParse(f, gen.ParseCreateTokenResponse, func(ctx context.Context, c *api.Client) error {
		_, err := c.CreateToken(ctx, api.PartnerCredentials{PartnerId: "p", PartnerSecret: "test-partner-secret"})
		return err
	})
}

func FuzzDecodeGetConfigurations(f *testing.F) {
	fuzzParse(f, gen.ParseGetConfigurationsResponse, func(ctx context.Context, c *api.Client) error {
		_, err := c.GetConfigurations(ctx)
		return err
	})
}

func FuzzDecodePostConfigurations(f *testing.F) {
	fuzzParse(f, gen.ParsePostConfigurationsResponse, func(ctx context.Context, c *api.Client) error {
		_, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
		return err
	})
}

func FuzzDecodeGetConfigurationsConfigurationId(f *testing.F) {
	fuzzParse(f, gen.ParseGetConfigurationsConfigurationIdResponse, func(ctx context.Context, c *api.Client) error {
		_, err := c.GetConfigurationsConfigurationId(ctx, fuzzID)
		return err
	})
}

func FuzzDecodeDeleteConfigurationsConfigurationId(f *testing.F) {
	fuzzParse(f, gen.ParseDeleteConfigurationsConfigurationIdResponse, func(ctx context.Context, c *api.Client) error {
		return c.DeleteConfigurationsConfigurationId(ctx, fuzzID)
	})
}

func FuzzDecodePostInstitutionsInstitutionIdLoginForms(f *testing.F) {
	fuzzParse(f, gen.ParsePostInstitutionsInstitutionIdLoginFormsResponse, func(ctx context.Context, c *api.Client) error {
		_, err := c.PostInstitutionsInstitutionIdLoginForms(ctx, 1, loginFormRequest)
		return err
	})
}

func FuzzDecodePostInstitutionsInstitutionIdOauthUrls(f *testing.F) {
	fuzzParse(f, gen.ParsePostInstitutionsInstitutionIdOauthUrlsResponse, func(ctx context.Context, c *api.Client) error {
		_, err := c.PostInstitutionsInstitutionIdOauthUrls(ctx, 1, oauthRequest)
		return err
	})
}

func FuzzDecodePostReconnections(f *testing.F) {
	fuzzParse(f, gen.ParsePostReconnectionsResponse, func(ctx context.Context, c *api.Client) error {
		r, err := c.PostReconnections(ctx, "1005061234", 1, nil)
		if err == nil && r.NeedsMFA() == (r.LoginForm != nil) {
			return fmt.Errorf("reconnection %+v: exactly one of LoginForm and MfaChallenges expected", r)
		}
		return err
	})
}

// FuzzDecodeError feeds arbitrary bodies to the error builder directly.
func FuzzDecodeError(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(401, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		req, _ := http.NewRequest(http.MethodPost, "https://api.example.com/connect-components/configurations", nil)
		e := api.NewError(req, status, body)
		if e == nil || e.StatusCode != status || !bytes.Equal(e.Body, body) {
			t.Fatalf("NewError(%d, %q) = %+v", status, body, e)
		}
		_ = e.Error()
		var target *api.Error
		if !errors.As(fmt.Errorf("wrapped: %w", e), &target) {
			t.Fatal("errors.As failed")
		}
	})
}
