package redact

import (
	"slices"
	"sync"
)

// recentTokens is how many tokens a Masker keeps beside its fixed
// secrets: tokens are renewed every 90 minutes, so a handful covers every
// request in flight.
const recentTokens = 8

// Masker holds the secrets of one client, to mask the text it lets out
// (error strings, log records): its own credentials, and the tokens it
// sent lately, fetched ones included. The zero value is an empty Masker;
// it is safe for concurrent use. Keep it behind a pointer: printing a
// struct that holds one, even by reflection, then shows an address.
type Masker struct {
	mu     sync.Mutex
	fixed  []string
	recent []string
}

// Learn adds secret (a partner secret given later) for good.
func (m *Masker) Learn(secret string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if secret != "" && !slices.Contains(m.fixed, secret) {
		m.fixed = append(m.fixed, secret)
	}
}

// Remember adds token to the recent ones, forgetting the oldest past
// recentTokens.
func (m *Masker) Remember(token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if token == "" || slices.Contains(m.recent, token) {
		return
	}
	if m.recent = append(m.recent, token); len(m.recent) > recentTokens {
		m.recent = slices.Delete(m.recent, 0, 1)
	}
}

// Func returns the masking of text about one request: Text with extra
// (the request's credentials, a secret of its body) and the Masker's
// secrets, those it learns later included.
func (m *Masker) Func(extra ...string) func(string) string {
	return func(s string) string {
		m.mu.Lock()
		secrets := slices.Concat(extra, m.fixed, m.recent)
		m.mu.Unlock()
		return Text(s, secrets...)
	}
}
