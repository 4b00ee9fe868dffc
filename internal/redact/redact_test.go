package redact

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHeader(t *testing.T) {
	h := http.Header{}
	h.Set("Finicity-App-Key", "k-1")
	h.Set("finicity-app-token", "t-1")
	h["Authorization"] = []string{"Bearer a", "Bearer b"}
	h.Set("Content-Type", "application/json")
	got := Header(h)
	for _, k := range []string{"Finicity-App-Key", "Finicity-App-Token"} {
		if got.Get(k) != Mask {
			t.Errorf("%s: got %q", k, got.Get(k))
		}
	}
	if len(got["Authorization"]) != 2 || got["Authorization"][1] != Mask {
		t.Errorf("Authorization: got %v", got["Authorization"])
	}
	if got.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type changed: %q", got.Get("Content-Type"))
	}
	if h.Get("Finicity-App-Key") != "k-1" {
		t.Error("the original header was modified")
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"partnerId":"p","partnerSecret":"s3cr3t"}`, `{"partnerId":"p","partnerSecret":"[REDACTED]"}`},
		{`{"token":"abc"}`, `{"token":"[REDACTED]"}`},
		// Key order, spacing and number spelling are kept.
		{`{"z": 1.50, "outer":[{"PartnerSecret" : "x","n":1e3}], "a":true}`, `{"z": 1.50, "outer":[{"PartnerSecret" : "[REDACTED]","n":1e3}], "a":true}`},
		// A composite value is masked whole.
		{`{"token":{"value":"abc","exp":[1,2]},"id":"i"}`, `{"token":"[REDACTED]","id":"i"}`},
		// A secret name used as a value is not a key.
		{`{"kind":"token","list":["partnerSecret"]}`, `{"kind":"token","list":["partnerSecret"]}`},
		{`{"id":"no secrets"}`, `{"id":"no secrets"}`},
		{`[1,2]`, `[1,2]`},
		{``, ``},
		{`{"partnerSecret":"s3cr3t"`, Mask + " (unparsed body)"},
		{`{"a":1} {"partnerSecret":"s"}`, `{"a":1} {"partnerSecret":"[REDACTED]"}`},
		{`plain text`, `plain text`},
		{`plain text with a token in it`, Mask + " (unparsed body)"},
	}
	for _, tc := range tests {
		if got := string(JSON([]byte(tc.in))); got != tc.want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"whole words", "key k1 token t1 and k1 again", []string{"k1", "", "t1"}, "key [REDACTED] token [REDACTED] and [REDACTED] again"},
		{"end of sentence", "Invalid token abc123.", []string{"abc123"}, "Invalid token [REDACTED]."},
		{"quoted and in a query", `echo "abc123" ?t=abc123&x`, []string{"abc123"}, `echo "[REDACTED]" ?t=[REDACTED]&x`},
		// One-character credentials never cut into other words.
		{"one character", `"Description":"Invalid Finicity-App-Token."`, []string{"e", "T", "i"}, `"Description":"Invalid Finicity-App-Token."`},
		{"inside a longer word", "tokenabc123 abc123x xabc123", []string{"abc123"}, "tokenabc123 abc123x xabc123"},
		{"dotted join", "abc123.def", []string{"abc123"}, "[REDACTED].def"},
		{"long secret inside a word", "xsecret-token-longy", []string{"secret-token-long"}, "x[REDACTED]y"},
		{"typographic quotes", "“ab” «ab» ‘ab’ ab… ab\u00a0", []string{"ab"}, "“[REDACTED]” «[REDACTED]» ‘[REDACTED]’ [REDACTED]… [REDACTED]\u00a0"},
		{"CJK beside", "令牌ab无效", []string{"ab"}, "令牌[REDACTED]无效"},
		{"accented letter continues", "éab", []string{"ab"}, "éab"},
		{"one secret inside another", "k-long-secret-1", []string{"k", "k-long-secret-1"}, "[REDACTED]"},
	}
	for _, tc := range tests {
		if got := Text(tc.in, tc.secrets...); got != tc.want {
			t.Errorf("%s: Text(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"partnerId":"p","partnerSecret":"s3cr3t"}`))
	f.Add([]byte(`{"a":[{"token":"t"}]}`))
	f.Add([]byte(`"partnerSecret"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out := JSON(body)
		// Redacting twice changes nothing: the mask itself is stable.
		if again := JSON(out); string(again) != string(out) {
			t.Errorf("not idempotent: %q -> %q -> %q", body, out, again)
		}
		// Valid JSON stays valid JSON, and no secret field keeps a value
		// other than the mask.
		if json.Valid(body) {
			if !json.Valid(out) {
				t.Fatalf("masking broke the document: %q -> %q", body, out)
			}
			var v any
			_ = json.Unmarshal(out, &v)
			checkMasked(t, v)
		}
	})
}

func checkMasked(t *testing.T, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if IsSecretField(k) && child != Mask {
				// Duplicate keys: encoding/json keeps the last, which
				// is masked too; anything else is a leak.
				t.Errorf("secret field %q left as %v", k, child)
			}
			checkMasked(t, child)
		}
	case []any:
		for _, child := range x {
			checkMasked(t, child)
		}
	}
}

func FuzzText(f *testing.F) {
	f.Add("Invalid token abc123.", "abc123")
	f.Add("Descrip", "t")
	f.Add(`{"t":"\u0061bcdefgh1"}`, "abcdefgh1")
	f.Add("t=abc%64efgh1&x", "abcdefgh1")
	f.Fuzz(func(t *testing.T, s, secret string) {
		out := Text(s, secret)
		// Text without an escape and without any needle is unchanged.
		if !strings.ContainsAny(s, `%\+`) {
			found := false
			for _, v := range needlesOf([]string{secret}) {
				found = found || strings.Contains(s, v)
			}
			if !found && out != s {
				t.Fatalf("changed text without the secret: %q -> %q", s, out)
			}
		}
		// A long secret that shares no character with the mask is gone
		// from the output.
		if utf8.RuneCountInString(secret) >= MinAnywhere && !strings.ContainsAny(secret, "[]REDACT") && strings.Contains(out, secret) {
			t.Fatalf("secret %q left in %q -> %q", secret, s, out)
		}
	})
}

// TestTextEveryLengthEveryStyle: secrets of 1 to 20 characters beside
// every quoting style are masked, and the text around them kept, as the
// CLI's stderr and the client's errors use Text.
func TestTextEveryLengthEveryStyle(t *testing.T) {
	styles := [][2]string{
		{"“", "”"}, {"‘", "’"}, {"«", "»"}, {"‹", "›"}, {"„", "“"}, {"「", "」"},
		{"…", "…"}, {"’", "’s"}, {"\u00a0", "\u00a0"}, {"令牌", "无效"},
		{"a-", "-b"}, {"a_", "_b"}, {"a.", ".b"}, {`"`, `"`}, {"(", ")"}, {"=", "&"},
	}
	const alphabet = "Zq9Xw7Vk5Jp3Hm1Gf8Rt"
	for n := 1; n <= 20; n++ {
		secret := alphabet[:n]
		for _, st := range styles {
			in := "before " + st[0] + secret + st[1] + " after"
			want := "before " + st[0] + Mask + st[1] + " after"
			if got := Text(in, secret); got != want {
				t.Errorf("secret of %d characters: Text(%q) = %q, want %q", n, in, got, want)
			}
		}
	}
}
