package proxy

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/validation"
)

// CreateHAR makes a HAR file for Options.HAR, its creator the proxy of
// this version of the SDK.
func CreateHAR(path string) (*har.Writer, error) {
	return har.Create(path, har.Creator{Name: "finicity-connect proxy", Version: api.Version})
}

// harEntryOf is x as recorded: the request as forwarded (its upstream
// URL), the answer as the client got it. The secret headers' values and
// the secret JSON fields' values are [REDACTED]; so is any credential in
// secrets (those seen lately, by where they stood) wherever else it
// appears, such as an error's details quoting one back.
func harEntryOf(x *proxied, secrets []string) har.Entry {
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
	e := har.Entry{
		StartedDateTime: x.started.UTC().Format(time.RFC3339Nano),
		Time:            ms(total),
		Request: har.Request{
			Method: x.req.Method, URL: mask(u), HTTPVersion: x.req.Proto,
			Cookies: []har.NameValue{}, Headers: harHeaders(x.req.Header, mask), QueryString: harQuery(u, mask),
			HeadersSize: -1, BodySize: len(x.reqBody),
		},
		Response: har.Response{
			Status: x.status, StatusText: http.StatusText(x.status), HTTPVersion: proto,
			Cookies: []har.NameValue{}, Headers: harHeaders(x.respHdr, mask),
			Content:     har.TextContent(x.respHdr.Get("Content-Type"), []byte(respText)),
			HeadersSize: -1, BodySize: len(x.respBody),
		},
		// time is the sum of the timings: waiting for upstream, and the
		// proxy's own reading and checking around it.
		Timings:  har.Timings{Send: 0, Wait: ms(x.waited), Receive: ms(max(0, total-x.waited))},
		Findings: x.findings,
	}
	e.Response.Content.Size = len(x.respBody)
	if e.Findings == nil {
		e.Findings = []validation.Finding{}
	}
	if x.reqBody != nil {
		e.Request.PostData = &har.PostData{MimeType: x.req.Header.Get("Content-Type"), Text: reqText}
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

func harHeaders(h http.Header, mask func(string) string) []har.NameValue {
	out := []har.NameValue{}
	for name, vs := range redact.Header(h) {
		for _, v := range vs {
			out = append(out, har.NameValue{Name: name, Value: mask(v)})
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

func harQuery(raw string, mask func(string) string) []har.NameValue {
	out := []har.NameValue{}
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
		out = append(out, har.NameValue{Name: k, Value: mask(v)})
	}
	return out
}
