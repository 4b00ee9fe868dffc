package testutil_test

import (
	"slices"
	"testing"

	"github.com/finicity-go/connect-components/internal/testutil"
)

func TestFormsOf(t *testing.T) {
	got := testutil.FormsOf("k/1")
	for _, want := range []string{"k/1", `\u006b\u002f\u0031`, `\u006B\u002F\u0031`, "k%2F1", "k%2f1", "ay8x", `\\u006b\\u002f\\u0031`} {
		if !slices.Contains(got, want) {
			t.Errorf("FormsOf(k/1) lacks %q: %q", want, got)
		}
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("FormsOf is not sorted and distinct: %q", got)
	}
	failing := &recordingT{TB: t}
	testutil.NoFormOf(failing, "text", "quoted ay8x here", "k/1")
	testutil.NoFormOf(failing, "text", "nothing here", "k/1")
	if failing.failures != 1 {
		t.Errorf("NoFormOf failed %d time(s), want 1 (the base64 form)", failing.failures)
	}
}

type recordingT struct {
	testing.TB
	failures int
}

func (r *recordingT) Helper()               {}
func (r *recordingT) Errorf(string, ...any) { r.failures++ }

func TestWatchedWriter(t *testing.T) {
	w := testutil.NewWatchedWriter(`listening on (\S+)\n`)
	_, _ = w.Write([]byte("starting\nlistening on "))
	select {
	case got := <-w.Found:
		t.Fatalf("found %q before the line was whole", got)
	default:
	}
	_, _ = w.Write([]byte("http://127.0.0.1:1\n"))
	_, _ = w.Write([]byte("listening on http://127.0.0.1:2\n"))
	if got := <-w.Found; got != "http://127.0.0.1:1" {
		t.Errorf("found %q", got)
	}
	select {
	case got := <-w.Found:
		t.Errorf("found a second time: %q", got)
	default:
	}
	if w.String() != "starting\nlistening on http://127.0.0.1:1\nlistening on http://127.0.0.1:2\n" {
		t.Errorf("kept %q", w.String())
	}
}
