package harcheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/harcheck"
	"github.com/finicity-go/connect-components/internal/proxy"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// collectingT is a testing.TB that keeps the failures the test kit
// reports instead of failing the test.
type collectingT struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (c *collectingT) Helper() {}
func (c *collectingT) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = append(c.failed, fmt.Sprintf(format, args...))
}

// TestSameWordingEverywhere: one off-spec body (a misspelt field) is
// worded the same by the test kit, by the client's
// WithRequestValidation, by the proxy and by validate (this package): every one of them
// names the field and the rule with the same detail.
func TestSameWordingEverywhere(t *testing.T) {
	bad := specexample.Misspelt(t)
	want := bad.Detail()
	badBody, _ := json.Marshal(bad.Body)
	said := map[string]string{}

	// The test kit: the failure, and the recorded request.
	ct := &collectingT{TB: t}
	kit := connecttest.NewServer(ct)
	req, _ := http.NewRequest(bad.Op.Method, connecttest.InProcessURL+bad.Path, bytes.NewReader(badBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Finicity-App-Key", connecttest.AppKey)
	req.Header.Set("Finicity-App-Token", connecttest.Token)
	resp, err := kit.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(ct.failed) != 1 || kit.Requests()[0].Violation != want {
		t.Errorf("the kit: %q, recorded %q", ct.failed, kit.Requests()[0].Violation)
	} else {
		said["the kit"] = ct.failed[0]
	}

	// The client, through a request editor that rewrites the body: refused
	// before sending.
	var hits atomic.Int32
	never := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer never.Close()
	c, err := api.NewClient("ci-app-key", api.WithAppToken("ci-token"), api.WithBaseURL(never.URL), api.WithRequestValidation(),
		api.WithRequestEditor(func(_ context.Context, r *http.Request) error {
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(badBody)), int64(len(badBody))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(badBody)), nil }
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	in := &apicall.Input{}
	for _, v := range bad.Args.Path {
		raw, _ := json.Marshal(v)
		in.Path = append(in.Path, raw)
	}
	in.Body, _ = json.Marshal(specexample.CallOf(t, bad.Op).Body)
	err = apicall.Call(context.Background(), c, bad.Op.ID, in)
	ve, ok := errors.AsType[*api.ValidationError](err)
	if !ok || hits.Load() != 0 || ve.Field != bad.Field || ve.Kind != "unknown field" || ve.Pointer != "/"+bad.Field || ve.Location != "body" {
		t.Errorf("WithRequestValidation: %#v (%v), %d request(s) sent", ve, err, hits.Load())
	} else {
		said["WithRequestValidation"] = err.Error()
	}

	// The proxy in front of the sandbox, and validate on its recording.
	up := httptest.NewServer(sandbox.New())
	defer up.Close()
	upstream, _ := url.Parse(up.URL)
	harPath := filepath.Join(t.TempDir(), "traffic.har")
	h, err := proxy.CreateHAR(harPath)
	if err != nil {
		t.Fatal(err)
	}
	var log testutil.SyncBuffer
	p, err := proxy.New(proxy.Options{Upstream: upstream, HAR: h, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	bad.Send(t, srv.URL, specexample.Credentials(bad.Op))
	srv.Close()
	_ = p.Close()
	said["the proxy"] = log.String()
	_, said["validate"] = check(t, harcheck.FormatText, "", harPath)
	_, said["validate --format junit"] = check(t, harcheck.FormatJUnit, "", harPath)
	// JSON, for programs, has the parts of the same words.
	rep, _ := check(t, harcheck.FormatJSON, "", harPath)
	if fs := rep.Files[0].Exchanges[0].Findings; len(fs) == 1 && fs[0].Detail() == want && fs[0].Location == "/"+bad.Field {
		said["validate --format json"] = fs[0].Detail()
	} else {
		t.Errorf("validate --format json: %+v", rep.Files[0].Exchanges[0])
	}

	for who, text := range said {
		if !strings.Contains(text, want) {
			t.Errorf("%s does not say %q:\n%s", who, want, text)
		}
	}
	if len(said) != 6 {
		t.Errorf("heard from %d of 6", len(said))
	}
}
