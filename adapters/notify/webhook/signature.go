package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Header names and values of a delivery.
const (
	HeaderTimestamp = "X-Tollgate-Timestamp"
	HeaderSignature = "X-Tollgate-Signature"
	// SignaturePrefix starts every signature header value.
	SignaturePrefix = "sha256="
)

// Sign returns the X-Tollgate-Signature value for body sent at timestamp
// (the X-Tollgate-Timestamp value): "sha256=" and the hex HMAC-SHA256 of
// timestamp + "." + body keyed with secret.
func Sign(secret []byte, timestamp string, body []byte) string {
	return SignaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

// Verify reports whether signature, an X-Tollgate-Signature value, signs
// body sent at timestamp with secret. The comparison takes constant time.
// Verify does not judge the timestamp's age; the receiver must (see the
// package doc). An empty secret verifies nothing.
func Verify(secret []byte, timestamp string, body []byte, signature string) bool {
	if len(secret) == 0 {
		return false
	}
	hexSig, ok := strings.CutPrefix(signature, SignaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
