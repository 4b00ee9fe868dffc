package redact

import (
	"encoding/base64"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinAnywhere is the length from which a secret is masked wherever it
// stands, even inside a longer word: eight characters of a key or token
// do not occur in other text by chance. A shorter secret is masked where
// it stands as a whole word only, so that a one-character app key cannot
// turn "Description" into "Descr[REDACTED]ption".
const MinAnywhere = 8

// Text replaces each of the given secret values where it appears in s:
// every occurrence of a secret of MinAnywhere characters or more, and
// every whole-word occurrence of a shorter one. Word boundaries are
// Unicode-aware: a secret ends where a letter or digit of its own script
// does not follow, so quotes of every style (“ ” « » ‘ ’), an ellipsis, a
// non-breaking space, the "-", "_" and "." that join words, and text in
// scripts written without spaces (Chinese, Japanese) all bound it. It is
// the last line of defence for free text (a server's error description, a
// wrapped transport error, a body echoed back) that may quote a
// credential. Empty secrets are ignored; longer secrets are masked first,
// so that one secret holding another is masked whole.
//
// A secret is found in whatever form it may have taken on its way here:
//
//   - as given, and trimmed of surrounding white space (a credential
//     given as " tok " travels, and comes back, as "tok");
//   - with any of its characters escaped as JSON and Go escape them
//     (\u0041 for A, in either hex case, even where JSON needs no escape;
//     a surrogate pair; \U0001F511; \x41; \" \\ \/ \n ...), escaped again
//     when escaped text was quoted once more (\\u0041);
//   - with any of its bytes percent-encoded (%41 or %2f, either hex case),
//     and a space as + (query escaping);
//   - base64-encoded whole: standard or URL alphabet, padded or not (and
//     that text in any of the forms above).
//
// The escapes may be mixed within one occurrence: each character of the
// secret is matched against each of its forms.
func Text(s string, secrets ...string) string {
	needles := needlesOf(secrets)
	for _, v := range needles {
		s = replace(s, v)
	}
	return s
}

// needlesOf returns the values to look for: each secret, trimmed, and
// base64-encoded, longest first, without repeats or empty ones.
func needlesOf(secrets []string) []string {
	var out []string
	add := func(v string) {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, v := range secrets {
		if v == "" {
			continue
		}
		add(v)
		add(strings.TrimSpace(v))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			add(enc.EncodeToString([]byte(v)))
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// replace masks every occurrence of v in s, in any form (see Text), as a
// whole word when v is short.
func replace(s, v string) string {
	if !mayHold(s, v) {
		return s
	}
	wholeWord := utf8.RuneCountInString(v) < MinAnywhere
	first, _ := utf8.DecodeRuneInString(v)
	last, _ := utf8.DecodeLastRuneInString(v)
	m := matcher{s: s, v: v, branches: strings.ContainsAny(v, `%\`)}
	var b strings.Builder
	written := 0
	for j := m.next(0); j >= 0 && j < len(s); j = m.next(j) {
		end := m.at(j)
		if end < 0 {
			j++
			continue
		}
		if wholeWord {
			before, _ := utf8.DecodeLastRuneInString(s[:j])
			after, _ := utf8.DecodeRuneInString(s[end:])
			if (j > 0 && continues(first, before)) || (end < len(s) && continues(last, after)) {
				_, size := utf8.DecodeRuneInString(s[j:])
				j += size
				continue
			}
		}
		b.WriteString(s[written:j])
		b.WriteString(Mask)
		written, j = end, end
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// mayHold is a quick test: s can only hold v in some form if it holds it
// as is, or holds an escape.
func mayHold(s, v string) bool {
	return strings.Contains(s, v) || strings.ContainsAny(s, `%\`) || (strings.Contains(v, " ") && strings.Contains(s, "+"))
}

// matcher finds the forms of v in s.
type matcher struct {
	s, v string
	// branches: v holds a character that is also where an escape starts
	// (% or \), so that more than one way through s may match, and
	// failed attempts are remembered to keep the search linear.
	branches bool
	failed   map[[2]int]bool
	// found holds, for next, where v's first byte, a %, a \ and a +
	// were last found (-1: none left, -2: not looked for yet).
	found []int
}

// next returns the first position from j on where a form of v may start:
// v's first byte, an escape, or a + standing for a leading space. Where
// each was last found is kept, so that a scan of s stays linear.
func (m *matcher) next(j int) int {
	if j >= len(m.s) {
		return -1
	}
	if m.found == nil {
		m.found = []int{-2, -2, -2, -2}
	}
	best := -1
	for k := range m.found {
		at := m.found[k]
		if at == -2 || (at >= 0 && at < j) {
			c := [...]byte{m.v[0], '%', '\\', '+'}[k]
			at = -1
			if k < 3 || m.v[0] == ' ' {
				if i := strings.IndexByte(m.s[j:], c); i >= 0 {
					at = j + i
				}
			}
			m.found[k] = at
		}
		if at >= 0 && (best < 0 || at < best) {
			best = at
		}
	}
	return best
}

// at returns where the longest form of v starting at s[j] ends, or -1.
func (m *matcher) at(j int) int {
	if m.branches {
		clear(m.failed)
	}
	return m.from(0, j)
}

// from returns where the longest match of v[i:] starting at s[j] ends,
// or -1. Each step takes one character of v (a byte, or a rune for the
// escapes that spell runes) in one of its forms.
func (m *matcher) from(i, j int) int {
	if i == len(m.v) {
		return j
	}
	if j >= len(m.s) {
		return -1
	}
	if m.branches && m.failed[[2]int{i, j}] {
		return -1
	}
	s, c := m.s, m.v[i]
	best := -1
	try := func(ni, nj int) {
		if end := m.from(ni, nj); end > best {
			best = end
		}
	}
	if s[j] == c || (c == ' ' && s[j] == '+') {
		try(i+1, j+1)
	}
	if r, n := escapeAt(s, j); n > 0 {
		switch vr, size := utf8.DecodeRuneInString(m.v[i:]); {
		case r < 0 && byte(-r-1) == c:
			try(i+1, j+n)
		case r >= 0 && r == vr && (vr != utf8.RuneError || size > 1):
			try(i+size, j+n)
		}
	}
	if c == '\\' {
		// A backslash escaped once (\\), twice (\\\\) or three times.
		run := backslashes(s, j)
		for _, k := range []int{2, 4, 8} {
			if run >= k {
				try(i+1, j+k)
			}
		}
	}
	if best < 0 && m.branches {
		if m.failed == nil {
			m.failed = map[[2]int]bool{}
		}
		m.failed[[2]int{i, j}] = true
	}
	return best
}

func backslashes(s string, j int) int {
	k := 0
	for j+k < len(s) && s[j+k] == '\\' {
		k++
	}
	return k
}

// escapeAt decodes the escape starting at s[i], if any, and returns what
// it spells and how many bytes it takes (0: none starts there). What it
// spells is a rune (r >= 0) or, for the escapes of a single byte (%41,
// \x41), that byte as -1-b. The escape letter may follow any number of
// backslashes: text escaped and then quoted again doubles them.
func escapeAt(s string, i int) (r rune, n int) {
	switch s[i] {
	case '%':
		if b, ok := hexValue(s, i+1, 2); ok {
			return -1 - b, 3
		}
		return 0, 0
	case '\\':
	default:
		return 0, 0
	}
	e := i + backslashes(s, i)
	if e >= len(s) {
		return 0, 0
	}
	switch s[e] {
	case 'u':
		u, ok := hexValue(s, e+1, 4)
		if !ok {
			return 0, 0
		}
		end := e + 5
		if 0xD800 <= u && u < 0xDC00 { // a high surrogate: its low half follows
			if k := backslashes(s, end); k > 0 && end+k < len(s) && s[end+k] == 'u' {
				if lo, ok := hexValue(s, end+k+1, 4); ok && 0xDC00 <= lo && lo < 0xE000 {
					return 0x10000 + (u-0xD800)<<10 + (lo - 0xDC00), end + k + 5 - i
				}
			}
		}
		return u, end - i
	case 'U':
		if u, ok := hexValue(s, e+1, 8); ok {
			return u, e + 9 - i
		}
	case 'x':
		if b, ok := hexValue(s, e+1, 2); ok {
			return -1 - b, e + 3 - i
		}
	default:
		if c := simpleEscape(s[e]); c != 0 {
			return rune(c), e + 1 - i
		}
	}
	return 0, 0
}

// simpleEscape returns what a one-letter escape of JSON or Go spells, or
// 0 when c is no such letter.
func simpleEscape(c byte) byte {
	switch c {
	case '"', '\'', '/', '`':
		return c
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return '\v'
	}
	return 0
}

// hexValue reads n hex digits (either case) at s[i:].
func hexValue(s string, i, n int) (rune, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var v rune
	for _, c := range []byte(s[i : i+n]) {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// decodeEscape is escapeAt for unescape, with + for a space.
func decodeEscape(s string, i int) (rune, int) {
	if s[i] == '+' {
		return ' ', 1
	}
	return escapeAt(s, i)
}

// continues reports whether neighbour, next to the secret's edge rune,
// makes one word with it: both letters or digits (or combining marks), and
// neither in a script written without spaces between words.
func continues(edge, neighbour rune) bool {
	return isWordRune(edge) && isWordRune(neighbour) && unspaced(edge) == unspaced(neighbour)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}

// unspaced reports whether r belongs to a script written without spaces
// between words: a Latin secret beside it is a word of its own.
func unspaced(r rune) bool {
	return r >= 0x2E80 && (unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar))
}
