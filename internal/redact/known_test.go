package redact_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/internal/redact"
)

func TestFieldValues(t *testing.T) {
	body := `{"partnerId":"p","partnerSecret":"s-1","nested":{"token":"t-2","list":[{"token":"t-3"},{"token":7}]},"Token":"t-4","note":"s-1"}`
	got := redact.FieldValues([]byte(body))
	slices.Sort(got)
	if want := []string{"s-1", "t-2", "t-3", "t-4"}; !slices.Equal(got, want) {
		t.Errorf("FieldValues = %q, want %q", got, want)
	}
	for _, body := range []string{"", "not json", `["token"]`, `{"token":null}`} {
		if got := redact.FieldValues([]byte(body)); len(got) != 0 {
			t.Errorf("FieldValues(%q) = %q, want none", body, got)
		}
	}
}

func TestSet(t *testing.T) {
	var s redact.Set
	if got := s.All(); len(got) != 0 {
		t.Errorf("the zero Set holds %q", got)
	}
	s.Add("a", "", "b", "a")
	s.Add("c", "b")
	got := s.All()
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("All = %q, want %q", got, want)
	}
	got[0] = "changed"
	if s.All()[0] != "a" {
		t.Error("All returns the Set's own slice")
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { s.Add(string(rune('d'+i)), "a"); _ = s.All() })
	}
	wg.Wait()
	if n := len(s.All()); n != 11 {
		t.Errorf("after concurrent adds: %d secrets, want 11", n)
	}
}
