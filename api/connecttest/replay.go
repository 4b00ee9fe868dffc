package connecttest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// WithRecording makes the server answer from a recording of the live API,
// a HAR 1.2 file (finicity-connect proxy --har writes one, secrets
// masked; a browser's devtools too), so that a test gets the API's real
// answers with no network and no credentials: a request is answered with
// the recorded response of the same method and path (the query aside), in
// the order they were recorded. Requests are still checked against the
// spec, as always.
//
// A request with no recorded answer left (none for its method and path,
// or all of them used) fails the test, naming the recorded request
// nearest to it, and is answered by the server as without a recording.
// Scripted faults (Inject) come first. The recorded answers are given as
// they are, whatever the credentials (WithTokenCheck does not apply to
// them).
//
// An exchange of the file is the API's when its host is one of the spec's
// servers, or when its path is one the spec has, on any host (the
// sandbox, a proxy); the others (a page, a font) are ignored, and so are
// exchanges recorded without an answer. A file that cannot be read, or a
// recorded answer whose body was not kept, fails the test at once
// (t.Fatalf).
func WithRecording(path string) Option {
	return func(c *config) { c.recording = path }
}

// replay is the answers of a recording, by method and path.
type replay struct {
	file string

	mu     sync.Mutex
	byKey  map[string][]recorded // "GET /path", in recorded order
	used   map[string]int        // how many of each were given
	order  []string              // the keys, in recorded order of first use
	routed map[string]string     // a key's operation, "" for none
}

// recorded is one answer of the file.
type recorded struct {
	entry  int // its entry's number, from 1
	answer sandbox.Answer
}

// hopHeaders are the recorded headers not replayed: they describe the
// recorded connection and encoding, not the answer.
var hopHeaders = []string{"Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Content-Encoding", "Trailer", "Upgrade"}

// loadReplay reads the recording at path.
func loadReplay(path string) (*replay, error) {
	f, err := har.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := specdoc.MustValidator()
	scope, err := har.NewScope(v, "")
	if err != nil {
		return nil, err
	}
	r := &replay{file: path, byKey: map[string][]recorded{}, used: map[string]int{}, routed: map[string]string{}}
	for i := range f.Log.Entries {
		e := &f.Log.Entries[i]
		req, _, err := e.HTTPRequest()
		if err != nil || e.Response.Status == 0 {
			continue
		}
		rel, skip := scope.Locate(req.URL)
		if skip != "" {
			continue
		}
		body, recordedBody, err := e.ResponseBody()
		if err != nil || !recordedBody {
			return nil, fmt.Errorf("entry %d (%s %s): the answer's body is not in the file: record with finicity-connect proxy --har, or keep bodies in the devtools", i+1, req.Method, rel)
		}
		header := e.ResponseHeader()
		for _, h := range hopHeaders {
			header.Del(h)
		}
		if header.Get("Content-Type") == "" && e.Response.Content.MimeType != "" && len(body) > 0 {
			header.Set("Content-Type", e.Response.Content.MimeType)
		}
		key := req.Method + " " + rel
		if _, seen := r.byKey[key]; !seen {
			r.order = append(r.order, key)
			if route, _, err := v.FindRoute(req.Method, rel); err == nil {
				r.routed[key] = route.Op.ID
			}
		}
		r.byKey[key] = append(r.byKey[key], recorded{entry: i + 1, answer: sandbox.Answer{Status: e.Response.Status, Header: header, Body: body}})
	}
	return r, nil
}

// answer is the next recorded answer to in, or, with none left, nil and
// why.
func (r *replay) answer(in sandbox.Inbound) (*sandbox.Answer, string) {
	key := in.Request.Method + " " + in.Request.URL.EscapedPath()
	r.mu.Lock()
	defer r.mu.Unlock()
	answers := r.byKey[key]
	if n := r.used[key]; n < len(answers) {
		r.used[key]++
		a := answers[n].answer
		a.Header = a.Header.Clone()
		return &a, ""
	}
	if len(answers) > 0 {
		return nil, fmt.Sprintf("all %d recorded answer(s) of %s in %s were given already", len(answers), key, r.file)
	}
	opID := ""
	if in.Route != nil {
		opID = in.Route.Op.ID
	}
	why := fmt.Sprintf("no recorded answer for %s in %s", key, r.file)
	if near := r.nearest(in.Request.Method, in.Request.URL.EscapedPath(), opID); near != "" {
		why += "; the nearest recorded request is " + near
	}
	return nil, why
}

// nearest names the recorded request most like method and path: of the
// same operation first, then of the same method, then by the fewest
// edits to the path.
func (r *replay) nearest(method, path, opID string) string {
	best, bestScore := "", -1
	for _, key := range r.order {
		m, p, _ := strings.Cut(key, " ")
		score := editDistance(path, p)
		if m != method {
			score += 1000
		}
		if opID == "" || r.routed[key] != opID {
			score += 10000
		}
		if bestScore < 0 || score < bestScore {
			best, bestScore = key, score
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("%s (entry %d)", best, r.byKey[best][0].entry)
}

// editDistance is the Levenshtein distance of two strings, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// replayed is the sandbox's answer hook with a recording: the recorded
// answer, or a failure of the test naming the nearest recorded request.
func (s *Server) replayed(in sandbox.Inbound) *sandbox.Answer {
	a, why := s.replay.answer(in)
	if a != nil {
		return a
	}
	s.mu.Lock()
	report := !s.closed
	s.mu.Unlock()
	if report {
		s.fail(callerLocation(), "connecttest: "+why+" (the server answered it itself)")
	}
	return nil
}
