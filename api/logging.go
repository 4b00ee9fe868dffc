package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/finicity-go/connect-components/internal/httpx"
	"github.com/finicity-go/connect-components/internal/retry"
)

// logAttempts writes one debug record per attempt: method, path, attempt,
// duration, and the status or the (masked) error.
func logAttempts(next httpx.Sender, l *slog.Logger, m *masker) httpx.Sender {
	return httpx.SenderFunc(func(req *http.Request) (*httpx.Response, error) {
		ctx := req.Context()
		if !l.Enabled(ctx, slog.LevelDebug) {
			return next.Send(req)
		}
		start := time.Now()
		resp, err := next.Send(req)
		attrs := []slog.Attr{
			slog.String("method", req.Method),
			slog.String("path", req.URL.EscapedPath()),
			slog.Int("attempt", retry.Attempt(ctx)),
			slog.Duration("duration", time.Since(start)),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", m.text(req, err.Error())))
			l.LogAttrs(ctx, slog.LevelDebug, "finicity: request failed", attrs...)
			return nil, err
		}
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		l.LogAttrs(ctx, slog.LevelDebug, "finicity: request", attrs...)
		return resp, nil
	})
}

// retryLogger reports each retry decision at debug level. reason may be a
// transport error's text: it is masked like any error.
func retryLogger(l *slog.Logger, m *masker) func(req *http.Request, attempt int, wait time.Duration, reason string) {
	return func(req *http.Request, attempt int, wait time.Duration, reason string) {
		l.LogAttrs(req.Context(), slog.LevelDebug, "finicity: retrying",
			slog.String("method", req.Method),
			slog.String("path", req.URL.EscapedPath()),
			slog.Int("attempt", attempt),
			slog.Duration("wait", wait),
			slog.String("reason", m.text(req, reason)))
	}
}

// replayLogger reports a token refresh and replay at debug level; nil
// when there is no logger.
func replayLogger(l *slog.Logger) func(req *http.Request) {
	if l == nil {
		return nil
	}
	return func(req *http.Request) {
		l.LogAttrs(req.Context(), slog.LevelDebug, "finicity: token expired (reason "+ReasonExpiredToken+"); renewed, replaying once",
			slog.String("method", req.Method),
			slog.String("path", req.URL.EscapedPath()))
	}
}
