package connectcomponents

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// The documentation is read on GitHub and pkg.go.dev, where a link to a
// moved page or a renamed heading fails silently; these tests make it
// fail here instead.

// docFiles lists the markdown files whose links are checked: the README,
// CONTRIBUTING.md, CHANGELOG.md and every page of docs/.
func docFiles(fsys fs.FS) ([]string, error) {
	pages, err := fs.Glob(fsys, "docs/*.md")
	if err != nil {
		return nil, err
	}
	return append([]string{"README.md", "CONTRIBUTING.md", "CHANGELOG.md"}, pages...), nil
}

// TestDocLinks: every relative link of the docs names a file that exists,
// and its #anchor, if any, a heading of that file as GitHub slugs it.
func TestDocLinks(t *testing.T) {
	fsys := os.DirFS(".")
	files, err := docFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := checkLinks(fsys, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestDocPagesLinkedFromReadme: a reader who starts at the README can
// reach every page of docs/, CONTRIBUTING.md and CHANGELOG.md.
func TestDocPagesLinkedFromReadme(t *testing.T) {
	fsys := os.DirFS(".")
	pages, err := fs.Glob(fsys, "docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("no docs/*.md: the glob or the working directory is wrong")
	}
	readme, err := fs.ReadFile(fsys, "README.md")
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, l := range markdownLinks(string(readme)) {
		if p, _, ok := relativeTarget("README.md", l.target); ok {
			linked[p] = true
		}
	}
	for _, p := range append(pages, "CONTRIBUTING.md", "CHANGELOG.md") {
		if !linked[p] {
			t.Errorf("README.md has no link to %s", p)
		}
	}
}

// TestDocNoIssueNumbers: "issue 13" means nothing to a reader of the
// docs, the CHANGELOG, the code or its tests; they say what a change is
// instead.
func TestDocNoIssueNumbers(t *testing.T) {
	fsys := os.DirFS(".")
	files, err := docFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	code, err := fs.Glob(fsys, "*.go")
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != "." || d.Name() == "testdata"):
			return fs.SkipDir
		case !d.IsDir() && strings.HasSuffix(p, ".go") && strings.Contains(p, "/"):
			code = append(code, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, code...) {
		if f == "docs_test.go" { // the examples of what is refused
			continue
		}
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := issueNumber.FindString(line); m != "" {
				t.Errorf("%s:%d: %q: say what the change is, not its issue number", f, i+1, m)
			}
		}
	}
}

var issueNumber = regexp.MustCompile(`(?i)\bissues?\s*#?\d+|\(#\d+\)`)

func TestDocIssueNumberPattern(t *testing.T) {
	for line, want := range map[string]bool{
		"(issue 13)":                   true,
		"see Issue #7 for why":         true,
		"fixed in (#42)":               true,
		"issues 14 and 15":             true,
		"an issue of the API":          false,
		"status 404, reason code 4041": false,
	} {
		if got := issueNumber.MatchString(line); got != want {
			t.Errorf("%q: issue number found %v, want %v", line, got, want)
		}
	}
}

// TestDocSlug: headings become anchors as GitHub makes them: lower case,
// spaces to -, punctuation dropped (- and _ kept), no collapsing.
func TestDocSlug(t *testing.T) {
	for _, c := range []struct{ heading, slug string }{
		{"Quick start", "quick-start"},
		{"`--sandbox` and its state file", "--sandbox-and-its-state-file"},
		{"`finicity-connect proxy`: put it in front of the API", "finicity-connect-proxy-put-it-in-front-of-the-api"},
		{"Drift: is the live API still the spec?", "drift-is-the-live-api-still-the-spec"},
		{"What is in Redis, and what never is", "what-is-in-redis-and-what-never-is"},
		{"Redis down: the degraded mode", "redis-down-the-degraded-mode"},
		{"A - B", "a---b"},
		{"C++ & Go", "c--go"},
		{"snake_case names", "snake_case-names"},
		{"Über café", "über-café"},
		{"[Linked](other.md) heading", "linked-heading"},
		{"Version 1.2", "version-12"},
	} {
		if got := slug(c.heading); got != c.slug {
			t.Errorf("slug(%q) = %q, want %q", c.heading, got, c.slug)
		}
	}
}

// TestDocLinkChecker: the checker reports each broken link, with its file
// and line, and nothing else.
func TestDocLinkChecker(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md": {Data: []byte(strings.Join([]string{
			"# Title", // 1
			"[ok](docs/a.md) [anchor](docs/a.md#second-part)",        // 2
			"[missing](docs/nope.md)",                                // 3
			"[bad anchor](docs/a.md#no-such-heading)",                // 4
			"[self](#title) [self bad](#untitled)",                   // 5
			"[web](https://example.com/x.md#y) [mail](mailto:a@b.c)", // 6
			"`[in code](nope.md)` and [dup](docs/a.md#part-1)",       // 7
			"```sh",                 // 8
			"[in a fence](nope.md)", // 9
			"```",                   // 10
			"[escape](../outside.md) ![image](img/logo.png)",      // 11
			"[into go](api/x.go#frag) [dir](docs)",                // 12
			"[ref]: docs/gone.md",                                 // 13
			"[titled](docs/a.md \"A page\") [angle](<docs/a.md>)", // 14
			"[case](docs/a.md#Second-Part)",                       // 15
		}, "\n"))},
		"docs/a.md":    {Data: []byte("# Part\n\n## Second part\n\n[up](../README.md#title) [up bad](../README.md#nothing)\n\n# Part\n\nSetext\n------\n\n<a id=\"custom\"></a>\n[setext](#setext) [custom](#custom)\n")},
		"api/x.go":     {Data: []byte("package api\n")},
		"img/logo.png": {Data: []byte{0x89}},
	}
	got, err := checkLinks(fsys, []string{"README.md", "docs/a.md"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`README.md:3: docs/nope.md: no such file`,
		`README.md:4: docs/a.md#no-such-heading: no heading of docs/a.md has the anchor "no-such-heading"`,
		`README.md:5: #untitled: no heading of README.md has the anchor "untitled"`,
		`README.md:11: ../outside.md: outside the repository`,
		`README.md:12: api/x.go#frag: an anchor into api/x.go, which is not markdown`,
		`README.md:13: docs/gone.md: no such file`,
		`README.md:15: docs/a.md#Second-Part: no heading of docs/a.md has the anchor "Second-Part"`,
		`docs/a.md:5: ../README.md#nothing: no heading of README.md has the anchor "nothing"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkLinks returns one line per broken relative link of files, in file
// and line order: "file:line: target: what is wrong".
func checkLinks(fsys fs.FS, files []string) ([]string, error) {
	anchors := map[string]map[string]bool{} // markdown file -> its anchors
	anchorsOf := func(name string) (map[string]bool, error) {
		if a, ok := anchors[name]; ok {
			return a, nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		a := headingAnchors(string(data))
		anchors[name] = a
		return a, nil
	}
	var problems []string
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		for _, l := range markdownLinks(string(data)) {
			report := func(format string, args ...any) {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: ", f, l.line, l.target)+fmt.Sprintf(format, args...))
			}
			target, anchor, ok := relativeTarget(f, l.target)
			if !ok {
				continue
			}
			if target == ".." || strings.HasPrefix(target, "../") {
				report("outside the repository")
				continue
			}
			if _, err := fs.Stat(fsys, target); err != nil {
				report("no such file")
				continue
			}
			if anchor == "" {
				continue
			}
			if !strings.HasSuffix(target, ".md") {
				report("an anchor into %s, which is not markdown", target)
				continue
			}
			a, err := anchorsOf(target)
			if err != nil {
				return nil, err
			}
			if !a[anchor] {
				report("no heading of %s has the anchor %q", target, anchor)
			}
		}
	}
	return problems, nil
}

// relativeTarget resolves a link of the file from against the repository
// root: the file it names (from itself for a bare #anchor) and the anchor.
// ok is false for a link with a scheme (https:, mailto:) or a host.
func relativeTarget(from, link string) (target, anchor string, ok bool) {
	if hasScheme.MatchString(link) || strings.HasPrefix(link, "//") {
		return "", "", false
	}
	p, anchor, _ := strings.Cut(link, "#")
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	if p == "" {
		p = path.Base(from)
	}
	if u, err := url.PathUnescape(anchor); err == nil {
		anchor = u
	}
	return path.Join(path.Dir(from), p), anchor, true
}

var hasScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// A link of a markdown file: its target as written, and its line.
type link struct {
	target string
	line   int
}

var (
	inlineLink = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)`)
	refDef     = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	fence      = regexp.MustCompile("^ {0,3}(```+|~~~+)")
)

// markdownLinks returns the inline links, images and reference
// definitions of a markdown text, leaving out code: fenced blocks and code
// spans.
func markdownLinks(text string) []link {
	var links []link
	for i, line := range proseLines(text) {
		if line == "" {
			continue
		}
		line = stripCodeSpans(line)
		var targets []string
		if m := refDef.FindStringSubmatch(line); m != nil {
			targets = append(targets, m[1])
		}
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			targets = append(targets, m[1])
		}
		for _, t := range targets {
			links = append(links, link{target: strings.Trim(t, "<>"), line: i + 1})
		}
	}
	return links
}

// proseLines returns the lines of text with those of fenced code blocks
// (fences included) blanked, so that indexes stay line numbers - 1.
func proseLines(text string) []string {
	lines := strings.Split(text, "\n")
	open := ""
	for i, line := range lines {
		m := fence.FindStringSubmatch(line)
		switch {
		case open == "" && m != nil:
			open = m[1]
			lines[i] = ""
		case open != "":
			if m != nil && m[1][0] == open[0] && len(m[1]) >= len(open) && strings.TrimSpace(line) == m[1] {
				open = ""
			}
			lines[i] = ""
		}
	}
	return lines
}

// stripCodeSpans removes the code spans of a line: a run of backticks up
// to the next run of the same length.
func stripCodeSpans(line string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			b.WriteString(line)
			return b.String()
		}
		n := i
		for n < len(line) && line[n] == '`' {
			n++
		}
		ticks := line[i:n]
		end := -1
		for j := n; j < len(line); {
			k := strings.Index(line[j:], ticks)
			if k < 0 {
				break
			}
			k += j
			e := k + len(ticks)
			if e >= len(line) || line[e] != '`' {
				end = e
				break
			}
			for e < len(line) && line[e] == '`' {
				e++
			}
			j = e
		}
		if end < 0 { // no closing run: the backticks are text
			b.WriteString(line[:n])
			line = line[n:]
			continue
		}
		b.WriteString(line[:i])
		line = line[end:]
	}
}

var (
	atxHeading    = regexp.MustCompile(`^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	setextUnder   = regexp.MustCompile(`^ {0,3}(?:=+|-+)[ \t]*$`)
	htmlAnchor    = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	markdownLinkT = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	htmlTag       = regexp.MustCompile(`<[^>]+>`)
)

// headingAnchors returns the anchors of a markdown text: the slug of each
// heading (ATX or setext), numbered from -1 on when repeated, as GitHub
// does, and the id or name of each HTML <a>.
func headingAnchors(text string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	add := func(heading string) {
		s := slug(heading)
		if n := seen[s]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			anchors[s] = true
		}
		seen[s]++
	}
	lines := proseLines(text)
	for i, line := range lines {
		if m := atxHeading.FindStringSubmatch(line); m != nil {
			add(m[1])
			continue
		}
		if i > 0 && setextUnder.MatchString(line) {
			prev := strings.TrimSpace(lines[i-1])
			if prev != "" && !atxHeading.MatchString(lines[i-1]) && !strings.HasPrefix(prev, "|") {
				add(prev)
			}
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			anchors[m[1]] = true
		}
	}
	return anchors
}

// slug is GitHub's anchor of a heading: the heading's text (links as their
// text, tags and code marks dropped) in lower case, letters, digits, - and
// _ kept, each space a -, everything else dropped.
func slug(heading string) string {
	text := markdownLinkT.ReplaceAllString(heading, "$1")
	text = htmlTag.ReplaceAllString(text, "")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(text)) {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r), r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}
