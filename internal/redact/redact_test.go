package redact

import (
	"net/http"
	"strings"
	"testing"
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
		{`{"outer":[{"PartnerSecret":"x","n":1.50}]}`, `{"outer":[{"PartnerSecret":"[REDACTED]","n":1.50}]}`},
		{`{"id":"no secrets"}`, `{"id":"no secrets"}`},
		{`[1,2]`, `[1,2]`},
		{``, ``},
		{`{"partnerSecret":"s3cr3t"`, Mask + " (unparsed body)"},
		{`{"a":1} {"partnerSecret":"s"}`, Mask + " (unparsed body)"},
		{`plain text`, `plain text`},
	}
	for _, tc := range tests {
		if got := string(JSON([]byte(tc.in))); got != tc.want {
			t.Errorf("JSON(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestValues(t *testing.T) {
	got := Values("key k1 token t1 and k1 again", "k1", "", "t1")
	if got != "key [REDACTED] token [REDACTED] and [REDACTED] again" {
		t.Errorf("got %q", got)
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
		// No unmasked string value is left under a secret key.
		if strings.Contains(string(out), `"partnerSecret":"`) && !strings.Contains(string(out), `"partnerSecret":"`+Mask+`"`) && string(out) != string(body) {
			t.Errorf("secret field left unmasked: %q", out)
		}
	})
}
