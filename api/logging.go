package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/redact"
)

// retryLogger reports each retry decision at debug level.
// reason may be a transport error's text: it is scrubbed like any error.
func retryLogger(l *slog.Logger, secrets []string) func(req *http.Request, attempt int, wait time.Duration, reason string) {
	return func(req *http.Request, attempt int, wait time.Duration, reason string) {
		reason = redact.Values(reason, req.Header.Get(auth.HeaderAppKey), req.Header.Get(auth.HeaderAppToken))
		reason = redact.Values(reason, secrets...)
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
