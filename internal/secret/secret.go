// Package secret holds credentials in a type that cannot be printed.
//
// A Go string field prints as itself under every fmt verb that bypasses
// String and Format (%p of a struct value prints its fields by
// reflection, with no method called). A String keeps its value behind a
// pointer instead, so that reflection shows an address, and its own
// methods print a mask for every verb. Only MarshalJSON, which puts the
// value on the wire, and Reveal give the value itself.
package secret

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Mask is what a String prints as.
const Mask = "[REDACTED]"

// String is a credential: a partner secret, an app key, a token. The zero
// value is the empty secret. Compare values with Reveal, not ==: two
// Strings holding the same text are different pointers.
type String struct{ v *string }

// New returns a String holding s.
func New(s string) String { return String{&s} }

// Reveal returns the value, for the code that must send it.
func (s String) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether s is empty; a JSON field tagged omitzero leaves
// an empty secret out.
func (s String) IsZero() bool { return s.v == nil || *s.v == "" }

// String is the mask, whatever the value: "" for an empty secret, so
// that a missing value still shows as missing.
func (s String) String() string {
	if s.IsZero() {
		return ""
	}
	return Mask
}

// GoString is the mask too, for %#v.
func (s String) GoString() string { return fmt.Sprintf("secret.String(%q)", s.String()) }

// Format prints the mask for every verb that calls it (all but %T and
// %p, which print the type and, by reflection, an address).
func (s String) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	case 'v':
		if f.Flag('#') {
			_, _ = io.WriteString(f, s.GoString())
			return
		}
		_, _ = io.WriteString(f, s.String())
	default:
		_, _ = io.WriteString(f, s.String())
	}
}

// LogValue keeps the value out of slog records.
func (s String) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the value itself: JSON is what goes on the wire.
func (s String) MarshalJSON() ([]byte, error) { return json.Marshal(s.Reveal()) }

// UnmarshalJSON reads a JSON string (null leaves s empty).
func (s *String) UnmarshalJSON(data []byte) error {
	var v *string
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	s.v = v
	return nil
}
