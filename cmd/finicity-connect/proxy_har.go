package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/validation"
)

// harWriter writes a HAR 1.2 file that is complete after every entry: each
// entry is written over the closing brackets, which are written again
// after it. A reader (a test, a support engineer, a browser's importer)
// can open the file at any time, and it is whole at exit.
type harWriter struct {
	mu    sync.Mutex
	f     *os.File
	end   int64 // where the closing brackets start
	count int
}

const harClose = "\n]}}\n"

func createHAR(path string) (*harWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	head, _ := json.Marshal(harCreator{Name: "finicity-connect proxy", Version: api.Version})
	start := `{"log":{"version":"1.2","creator":` + string(head) + `,"entries":[`
	if _, err := f.WriteString(start + harClose); err != nil {
		_ = f.Close()
		return nil, err
	}
	return &harWriter{f: f, end: int64(len(start))}, nil
}

func (h *harWriter) add(e harEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	sep := "\n"
	if h.count > 0 {
		sep = ",\n"
	}
	chunk := sep + string(b)
	if _, err := h.f.WriteAt([]byte(chunk+harClose), h.end); err != nil {
		return err
	}
	h.end += int64(len(chunk))
	h.count++
	return nil
}

func (h *harWriter) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.f.Sync(); err != nil {
		_ = h.f.Close()
		return err
	}
	return h.f.Close()
}

// The HAR 1.2 objects the proxy writes (http://www.softwareishard.com/blog/har-12-spec/).
type (
	harCreator struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	harEntry struct {
		StartedDateTime string      `json:"startedDateTime"`
		Time            float64     `json:"time"`
		Request         harRequest  `json:"request"`
		Response        harResponse `json:"response"`
		Cache           struct{}    `json:"cache"`
		Timings         harTimings  `json:"timings"`
		// Findings are the proxy's own (a custom field: HAR allows
		// names starting with "_").
		Findings []validation.Finding `json:"_findings"`
	}
	harRequest struct {
		Method      string         `json:"method"`
		URL         string         `json:"url"`
		HTTPVersion string         `json:"httpVersion"`
		Cookies     []harNameValue `json:"cookies"`
		Headers     []harNameValue `json:"headers"`
		QueryString []harNameValue `json:"queryString"`
		PostData    *harPostData   `json:"postData,omitempty"`
		HeadersSize int            `json:"headersSize"`
		BodySize    int            `json:"bodySize"`
	}
	harResponse struct {
		Status      int            `json:"status"`
		StatusText  string         `json:"statusText"`
		HTTPVersion string         `json:"httpVersion"`
		Cookies     []harNameValue `json:"cookies"`
		Headers     []harNameValue `json:"headers"`
		Content     harContent     `json:"content"`
		RedirectURL string         `json:"redirectURL"`
		HeadersSize int            `json:"headersSize"`
		BodySize    int            `json:"bodySize"`
	}
	harNameValue struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	harPostData struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
	}
	harContent struct {
		Size     int    `json:"size"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
	}
	harTimings struct {
		Send    float64 `json:"send"`
		Wait    float64 `json:"wait"`
		Receive float64 `json:"receive"`
	}
)

// harEntryOf is x as recorded: the request as forwarded (its upstream
// URL), the answer as the client got it. The secret headers' values and
// the secret JSON fields' values are [REDACTED]; so is any credential in
// secrets (those seen lately, by where they stood) wherever else it
// appears, such as an error's details quoting one back.
func harEntryOf(x *proxied, secrets []string) harEntry {
	mask := func(s string) string { return redact.Text(s, secrets...) }
	reqText, respText := mask(string(redact.JSON(x.reqBody))), mask(string(redact.JSON(x.respBody)))
	if isTokenRequest(x.req) && len(x.reqBody) > 0 && !json.Valid(x.reqBody) {
		// Partner authentication whose body does not parse: the partner
		// secret is in it, but where cannot be told, so it is not known
		// to the masker either. Both bodies are masked whole, since the
		// answer may quote the request back.
		reqText, respText = redact.Mask, redact.Mask
	}
	u := maskQuery(x.outURL)
	total := time.Since(x.started)
	proto := x.proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	e := harEntry{
		StartedDateTime: x.started.UTC().Format(time.RFC3339Nano),
		Time:            ms(total),
		Request: harRequest{
			Method: x.req.Method, URL: mask(u), HTTPVersion: x.req.Proto,
			Cookies: []harNameValue{}, Headers: harHeaders(x.req.Header, mask), QueryString: harQuery(u, mask),
			HeadersSize: -1, BodySize: len(x.reqBody),
		},
		Response: harResponse{
			Status: x.status, StatusText: http.StatusText(x.status), HTTPVersion: proto,
			Cookies: []harNameValue{}, Headers: harHeaders(x.respHdr, mask),
			Content:     harContent{Size: len(x.respBody), MimeType: x.respHdr.Get("Content-Type"), Text: respText},
			HeadersSize: -1, BodySize: len(x.respBody),
		},
		// time is the sum of the timings: waiting for upstream, and the
		// proxy's own reading and checking around it.
		Timings:  harTimings{Send: 0, Wait: ms(x.waited), Receive: ms(max(0, total-x.waited))},
		Findings: x.findings,
	}
	if e.Findings == nil {
		e.Findings = []validation.Finding{}
	}
	if x.reqBody != nil {
		e.Request.PostData = &harPostData{MimeType: x.req.Header.Get("Content-Type"), Text: reqText}
	}
	return e
}

// isTokenRequest reports whether r is partner authentication as the API
// would route it: a POST (in any case) to a path ending in
// /partners/authentication, whatever its case, escapes or trailing slash.
func isTokenRequest(r *http.Request) bool {
	path := r.URL.Path
	if p, err := url.PathUnescape(r.URL.EscapedPath()); err == nil {
		path = p
	}
	path = strings.ToLower(strings.TrimRight(path, "/"))
	return strings.EqualFold(r.Method, http.MethodPost) && strings.HasSuffix(path, "/partners/authentication")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func harHeaders(h http.Header, mask func(string) string) []harNameValue {
	out := []harNameValue{}
	for name, vs := range redact.Header(h) {
		for _, v := range vs {
			out = append(out, harNameValue{Name: name, Value: mask(v)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// maskQuery is raw with the values of secret query parameters (token,
// partnerSecret) replaced by [REDACTED], the rest as sent.
func maskQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	parts := strings.Split(u.RawQuery, "&")
	changed := false
	for i, kv := range parts {
		k, _, ok := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(k); ok && err == nil && redact.IsSecretField(name) {
			parts[i] = k + "=" + url.QueryEscape(redact.Mask)
			changed = true
		}
	}
	if !changed {
		return raw
	}
	u.RawQuery = strings.Join(parts, "&")
	return u.String()
}

func harQuery(raw string, mask func(string) string) []harNameValue {
	out := []harNameValue{}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		if redact.IsSecretField(k) {
			v = redact.Mask
		}
		out = append(out, harNameValue{Name: k, Value: mask(v)})
	}
	return out
}
