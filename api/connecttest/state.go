package connecttest

import (
	"encoding/json"

	"github.com/finicity-go/connect-components/api"
)

// Reset empties the server for the next part of a test: it forgets every
// configuration and OAuth session, the requests recorded so far, and the
// faults and reconnection answers scripted and not used yet. Options stay,
// and so do the tokens issued (with WithTokenCheck), so clients made
// before Reset keep working: a real API does not revoke tokens when an
// app's data goes. Reset fails the test (t.Fatalf) if it cannot keep them.
// Call it while no request is in flight.
func (s *Server) Reset() {
	s.t.Helper()
	if err := s.resetKeepingTokens(); err != nil {
		s.t.Fatalf("connecttest: Reset: %v", err)
		return
	}
	s.sb.ClearScripts()
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

// resetKeepingTokens empties the sandbox's store but for its tokens,
// through its versioned state: the tokens of MarshalState go back in with
// nothing else.
func (s *Server) resetKeepingTokens() error {
	data, err := s.sb.MarshalState()
	if err != nil {
		return err
	}
	var state struct {
		Version int             `json:"version"`
		HashKey json.RawMessage `json:"appKeyHashKey"` // the key of the tokens' app key hashes
		Tokens  json.RawMessage `json:"tokens"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		return err
	}
	kept, err := json.Marshal(map[string]any{
		"version":        state.Version,
		"appKeyHashKey":  state.HashKey,
		"configurations": map[string]any{},
		"tokens":         state.Tokens,
		"oauth":          []any{},
	})
	if err != nil {
		return err
	}
	return s.sb.UnmarshalState(kept)
}

// AppKeys returns, sorted, the app keys that own at least one
// configuration on the server.
func (s *Server) AppKeys() []string { return s.sb.AppKeys() }

// Configurations returns the configurations appKey owns (AppKey for
// Client's), in creation order: copies, so changing them changes nothing
// on the server. It is empty, never nil, for an app key with none.
func (s *Server) Configurations(appKey string) []api.Configuration {
	return s.sb.Configurations(appKey)
}
