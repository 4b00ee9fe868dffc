package connecttest

import (
	"testing"

	"github.com/finicity-go/connect-components/internal/sandbox"
)

// TestDefaultsMatchTheSandbox: the kit spells its defaults out, so go doc
// shows their values; they must be the sandbox's own.
func TestDefaultsMatchTheSandbox(t *testing.T) {
	pairs := []struct {
		name      string
		kit, sbox any
	}{
		{"PartnerID", PartnerID, sandbox.DefaultPartnerID},
		{"PartnerSecret", PartnerSecret, sandbox.DefaultPartnerSecret},
		{"DefaultTokenLifetime", DefaultTokenLifetime, sandbox.DefaultTokenLifetime},
		{"DefaultMaxBodyBytes", DefaultMaxBodyBytes, sandbox.DefaultMaxBodyBytes},
		{"InProcessURL", InProcessURL, sandbox.InProcessURL},
	}
	for _, p := range pairs {
		if p.kit != p.sbox {
			t.Errorf("%s: kit %v, sandbox %v", p.name, p.kit, p.sbox)
		}
	}
}
