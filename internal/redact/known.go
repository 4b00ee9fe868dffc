package redact

import (
	"encoding/json"
	"slices"
	"sync"
)

// FieldValues are the string values of the secret fields (IsSecretField)
// of a JSON body, at any depth: the secrets a body carries, for masking
// them wherever else they appear. Nil for a body that is not JSON.
func FieldValues(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if s, ok := e.(string); ok && IsSecretField(k) {
					out = append(out, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// Set is the secrets a run has met (credentials given, tokens fetched
// since), for masking what it prints with Text. It is safe for
// concurrent use; the zero Set is empty.
type Set struct {
	mu   sync.Mutex
	list []string
}

// Add adds values, leaving out empty ones and those already in.
func (s *Set) Add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if v != "" && !slices.Contains(s.list, v) {
			s.list = append(s.list, v)
		}
	}
}

// All is every secret added, in the order added.
func (s *Set) All() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}
