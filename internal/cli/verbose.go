package cli

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/retry"
)

// dumpExchanges is the --verbose middleware: for each attempt it prints,
// on w, the request (line, headers, body) before sending it, and the
// response (status line, headers, body) or the transport error once it
// arrives, curl style ("> " sent, "< " received, "* " notes).
//
// It is a middleware rather than a log handler because only a middleware
// sees every attempt whole: retries, the token fetch, and the headers the
// client sets. Everything is masked as the client masks its own output:
// whole values of the credential headers (redact.Header), the secret
// fields of JSON bodies (redact.JSON: partnerSecret, token), and any
// known credential quoted in free text (redact.Text), with secrets the
// credentials given to the CLI and the ones the request carries (a token
// fetched since).
func dumpExchanges(w io.Writer, secrets ...string) api.Middleware {
	var mu sync.Mutex // one block at a time, should calls ever overlap
	emit := func(b *strings.Builder) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = io.WriteString(w, b.String())
	}
	return func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			known := append([]string{req.Header.Get("Finicity-App-Key"), req.Header.Get("Finicity-App-Token")}, secrets...)
			mask := func(s string) string { return redact.Text(s, known...) }

			var b strings.Builder
			fmt.Fprintf(&b, "* attempt %d\n", retry.Attempt(req.Context()))
			fmt.Fprintf(&b, "> %s %s %s\n", req.Method, mask(req.URL.String()), protoOr(req.Proto))
			writeHeaders(&b, "> ", req.Header, mask)
			if body, err := requestBody(req); err != nil {
				// Seeing the body is not worth failing the call for.
				fmt.Fprintf(&b, "* request body not shown: %s\n", mask(err.Error()))
			} else {
				writeBody(&b, "> ", body, mask)
			}
			emit(&b)

			resp, err := next.Do(req)
			b.Reset()
			if err != nil {
				fmt.Fprintf(&b, "* no answer: %s\n", mask(err.Error()))
				emit(&b)
				return resp, err
			}
			body := responseBody(resp)
			// A token the answer issues is a secret wherever else the
			// answer quotes it, in whatever form.
			known = append(known, redact.FieldValues(body)...)
			fmt.Fprintf(&b, "< %s %d %s\n", protoOr(resp.Proto), resp.StatusCode, http.StatusText(resp.StatusCode))
			writeHeaders(&b, "< ", resp.Header, mask)
			writeBody(&b, "< ", body, mask)
			emit(&b)
			return resp, nil
		})
	}
}

// requestBody returns the bytes of req's body without taking them from
// the layers below: through GetBody when the request has it (the client's
// requests do), else by reading the body and putting a copy back.
func requestBody(req *http.Request) ([]byte, error) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return nil, nil
	case req.GetBody != nil:
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	data, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	// What was read goes back, followed by the read error if there was
	// one, so the request sent is what it would have been unobserved.
	req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), failingReader{err}))
	return data, err
}

// failingReader ends a body with err (nil: a clean end).
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}

// responseBody returns the bytes of an answer and puts them back as the
// body, so that the next reader gets it whole (the client hands middleware
// a body in memory already: reading it costs no network).
func responseBody(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return data
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header, mask func(string) string) {
	masked := redact.Header(h)
	for _, name := range slices.Sorted(maps.Keys(masked)) {
		for _, v := range masked[name] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, name, mask(v))
		}
	}
}

// writeBody prints body after a blank line, each of its lines prefixed;
// nothing for an empty body.
func writeBody(b *strings.Builder, prefix string, body []byte, mask func(string) string) {
	if len(body) == 0 {
		return
	}
	b.WriteString(strings.TrimSpace(prefix) + "\n")
	text := mask(string(redact.JSON(body)))
	for line := range strings.Lines(text) {
		b.WriteString(prefix + strings.TrimSuffix(line, "\n") + "\n")
	}
}

// protoOr is the protocol of a message, HTTP/1.1 when it has none (an
// in-process transport leaves it empty on requests).
func protoOr(p string) string {
	if p == "" {
		return "HTTP/1.1"
	}
	return p
}
