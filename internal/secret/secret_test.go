package secret_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/secret"
)

type holder struct {
	ID     string
	Secret secret.String `json:"secret,omitzero"`
}

func TestNoVerbPrintsTheValue(t *testing.T) {
	const value = "s3cr3t-value"
	h := holder{ID: "id", Secret: secret.New(value)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%p", "%T", "%20s", "%-8v"} {
		for _, arg := range []any{h, &h, h.Secret, &h.Secret} {
			if out := fmt.Sprintf(verb, arg); strings.Contains(out, value) || strings.Contains(out, fmt.Sprintf("%x", value)) {
				t.Errorf("Sprintf(%q, %T) = %q: shows the value", verb, arg, out)
			}
		}
	}
	var b strings.Builder
	// A struct holding a String is marshalled by slog's JSON handler with
	// encoding/json, which must carry the value to the wire: the struct
	// itself needs a LogValue (gen's models with a secret have one).
	slog.New(slog.NewJSONHandler(&b, nil)).Info("m", "s", h.Secret, "p", &h.Secret)
	slog.New(slog.NewTextHandler(&b, nil)).Info("m", "s", h.Secret, "h", h)
	if strings.Contains(b.String(), value) {
		t.Errorf("slog record shows the value: %s", b.String())
	}
}

func TestJSONCarriesTheValue(t *testing.T) {
	data, err := json.Marshal(holder{ID: "id", Secret: secret.New("v\"1")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), `{"ID":"id","secret":"v\"1"}`; got != want {
		t.Fatalf("Marshal = %s, want %s", got, want)
	}
	var back holder
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Secret.Reveal() != "v\"1" || back.ID != "id" {
		t.Fatalf("Unmarshal = %+v (%q)", back, back.Secret.Reveal())
	}
	data, _ = json.Marshal(holder{ID: "x"})
	if string(data) != `{"ID":"x"}` {
		t.Fatalf("an empty secret is not left out by omitzero: %s", data)
	}
}

func TestZero(t *testing.T) {
	var s secret.String
	if !s.IsZero() || s.Reveal() != "" || s.String() != "" || !secret.New("").IsZero() || secret.New("x").IsZero() {
		t.Fatal("zero and empty secrets are not zero, or a set one is")
	}
	if fmt.Sprint(secret.New("x")) != secret.Mask {
		t.Fatalf("Sprint = %q", fmt.Sprint(secret.New("x")))
	}
}
