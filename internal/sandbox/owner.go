package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// ownerKeyBytes is the size of the HMAC key of owners.
const ownerKeyBytes = 32

// ownerLen is the length of an owner: HMAC-SHA256 in hexadecimal.
const ownerLen = 2 * sha256.Size

// newOwnerKey returns a fresh random HMAC key.
func newOwnerKey() []byte {
	k := make([]byte, ownerKeyBytes)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	return k
}

// ownerWith is the owner of appKey under key: HMAC-SHA256 of the app key,
// in lower-case hexadecimal. Without the key, the state file's owners
// tell nothing about the app keys; with it (it is in the file too) they
// can only be checked against a guess, one HMAC per guess, which for a
// real app key (32 hexadecimal characters) is out of reach.
func ownerWith(key []byte, appKey string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(appKey))
	return hex.EncodeToString(m.Sum(nil))
}

// ownerOf is the owner of appKey in s.
func (s *Sandbox) ownerOf(appKey string) string {
	s.mu.Lock()
	key := s.ownerKey
	s.mu.Unlock()
	return ownerWith(key, appKey)
}

// validOwner reports whether o is an owner as the state file stores it.
func validOwner(o string) bool {
	if len(o) != ownerLen {
		return false
	}
	for i := 0; i < len(o); i++ {
		if c := o[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// learnName notes appKey as the name of owner when owner stores
// something under no name yet (a state loaded from a file, which holds
// owners only), so that AppKeys lists it.
func (s *Sandbox) learnName(owner, appKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.names[owner]; ok {
		return
	}
	for _, col := range s.colls {
		if col.byAppKey[owner] != nil {
			s.names[owner] = strings.Clone(appKey)
			return
		}
	}
}

// forgetNameLocked drops the name of owner once it stores nothing. The
// caller holds s.mu.
func (s *Sandbox) forgetNameLocked(owner string) {
	for _, col := range s.colls {
		if col.byAppKey[owner] != nil {
			return
		}
	}
	delete(s.names, owner)
}
