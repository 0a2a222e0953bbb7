package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Clock tells the time. Core logic never calls time.Now: it reads the Clock
// once at the edge and passes now down, so tests control time with a fake
// (gatewaytest.Clock).
type Clock interface {
	Now() time.Time
}

// SystemClock is the real Clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// IDs makes unique identifiers for records. Tests inject a deterministic one.
type IDs interface {
	// NewID returns a new identifier starting with prefix, such as "req_".
	NewID(prefix string) string
}

// RandomIDs makes IDs from 12 random bytes: unique without coordination
// between instances.
type RandomIDs struct{}

// NewID returns prefix followed by 24 hex digits.
func (RandomIDs) NewID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}
