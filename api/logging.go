package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/retry"
)

// retryLogger reports each retry decision at debug level.
// reason may be a transport error's text: it is scrubbed like any error.
func retryLogger(l *slog.Logger, secrets []string) func(req *http.Request, attempt int, wait time.Duration, reason string) {
	return func(req *http.Request, attempt int, wait time.Duration, reason string) {
		reason = scrubText(req, reason, secrets)
		l.LogAttrs(req.Context(), slog.LevelDebug, "finicity: retrying",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("attempt", attempt),
			slog.Duration("wait", wait),
			slog.String("reason", reason))
	}
}

// replayLogger reports a token refresh and replay at debug level; nil
// when there is no logger.
func replayLogger(l *slog.Logger) func(req *http.Request) {
	if l == nil {
		return nil
	}
	return func(req *http.Request) {
		l.LogAttrs(req.Context(), slog.LevelDebug, "finicity: token expired (reason 10023); refreshed, replaying once",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path))
	}
}

// logDoer writes one debug record per attempt.
type logDoer struct {
	next    gen.HttpRequestDoer
	log     *slog.Logger
	secrets []string // known credentials, scrubbed from error text
}

func (d *logDoer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !d.log.Enabled(ctx, slog.LevelDebug) {
		return d.next.Do(req)
	}
	start := time.Now()
	resp, err := d.next.Do(req)
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.Int("attempt", retry.Attempt(ctx)),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", scrubText(req, err.Error(), d.secrets)))
		d.log.LogAttrs(ctx, slog.LevelDebug, "finicity: request failed", attrs...)
		return resp, err
	}
	attrs = append(attrs, slog.Int("status", resp.StatusCode))
	d.log.LogAttrs(ctx, slog.LevelDebug, "finicity: request", attrs...)
	return resp, nil
}

// scrubText removes from s the credentials req carried and those the
// client was configured with. Transport errors quote the URL, not headers,
// so this is a safety net rather than the main defence.
func scrubText(req *http.Request, s string, secrets []string) string {
	s = redact.Values(s, req.Header.Get(auth.HeaderAppKey), req.Header.Get(auth.HeaderAppToken))
	return redact.Values(s, secrets...)
}
