package connectcomponents_test

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestGoLineAcceptsEvery126Release: go.mod asks for at most go 1.26.0, so
// no 1.26 patch release is locked out, and names no toolchain
// that would override the user's. Building with 1.26.0 itself:
// GOTOOLCHAIN=go1.26.0 go build ./...
func TestGoLineAcceptsEvery126Release(t *testing.T) {
	b, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)(?:\.(\d+))?\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	patch, _ := strconv.Atoi(string(m[3]))
	if major != 1 || minor > 26 || (minor == 26 && patch > 0) {
		t.Errorf("go.mod asks for go %s.%s.%s: at most 1.26.0, the oldest release the module builds with", m[1], m[2], m[3])
	}
	if regexp.MustCompile(`(?m)^toolchain `).Match(b) {
		t.Error("go.mod names a toolchain: it would override the user's 1.26 release")
	}
}
