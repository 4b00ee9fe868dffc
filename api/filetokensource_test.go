package api_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// writeWithTime writes token to path and sets its modification time, so
// a test decides whether the source can see the change by its time.
func writeWithTime(t *testing.T, path, token string, mtime time.Time) {
	t.Helper()
	if err := WriteTokenFile(path, token); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// TestFileTokenSource holds ExampleWithTokenSource's source to what its
// documentation says: the file is re-read when it changed or after
// Invalidate of the token read last, and not otherwise.
func TestFileTokenSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	ts := &FileTokenSource{Path: path}
	ctx := context.Background()
	if _, err := ts.Token(ctx); err == nil {
		t.Fatal("no error without a file")
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeWithTime(t, path, "tok-1", t0)
	steps := []struct {
		name   string
		change func()
		want   string
	}{
		{"first read", func() {}, "tok-1"},
		// Same time, same size: the change is invisible to a stat, and the
		// token read last is still good as far as the source knows.
		{"unseen change kept", func() { writeWithTime(t, path, "tok-2", t0) }, "tok-1"},
		{"invalidating another token changes nothing", func() { ts.Invalidate("tok-0") }, "tok-1"},
		{"invalidated: read again", func() { ts.Invalidate("tok-1") }, "tok-2"},
		{"changed time: read again", func() { writeWithTime(t, path, "tok-3", t0.Add(time.Minute)) }, "tok-3"},
		{"changed size: read again", func() { writeWithTime(t, path, "tok-4-longer", t0.Add(time.Minute)) }, "tok-4-longer"},
	}
	for _, st := range steps {
		st.change()
		got, err := ts.Token(ctx)
		if err != nil || got != st.want {
			t.Errorf("%s: got %q, %v; want %q", st.name, got, err, st.want)
		}
	}
}

// TestFileTokenSourceReplay: a replica whose token expired re-reads the
// file the refresher has rewritten meanwhile (with a modification time the
// stat cannot tell apart) and replays the call once with the new token.
func TestFileTokenSourceReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeWithTime(t, path, "tok-1", t0)
	var mu sync.Mutex
	var seen []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("Finicity-App-Token")
		mu.Lock()
		seen = append(seen, tok)
		mu.Unlock()
		if tok == "tok-1" {
			writeWithTime(t, path, "tok-2", t0) // the refresher was faster than the replica
			writeReply(w, reply{status: 401, body: expiredJSON})
			return
		}
		writeReply(w, getOK())
	})
	c := newTokenSourceClient(t, srv.URL, &FileTokenSource{Path: path})
	if err := listCall(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if err := listCall(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"tok-1", "tok-2", "tok-2"}; !slices.Equal(seen, want) {
		t.Errorf("tokens sent: got %v, want %v", seen, want)
	}
}
