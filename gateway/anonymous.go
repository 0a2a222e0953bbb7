package gateway

import "strings"

// Anonymous lets requests without a key call some models, limited per
// client address. The zero value (no Models) keeps it off.
type Anonymous struct {
	// Models anonymous requests may call, as path.Match patterns.
	Models []string
	// Limits apply to each client address on its own.
	Limits Limits
	// Namespace anonymous requests route in; default DefaultNamespace.
	Namespace string
}

// AnonymousAccountID is the account anonymous requests are recorded
// under.
const AnonymousAccountID = "anonymous"

// Enabled reports whether anonymous requests are allowed at all.
func (a Anonymous) Enabled() bool { return len(a.Models) > 0 }

// AuthenticateAnonymous returns the caller of a request without a key
// from clientIP: a key of its own per address, known only by a keyed hash
// of the address, allowed the configured models and limits.
// CodeUnauthenticated when anonymous access is off.
func (g *Gateway) AuthenticateAnonymous(clientIP string) (*Caller, error) {
	an := g.settings().Anonymous
	if !an.Enabled() {
		return nil, &Error{Code: CodeUnauthenticated, Type: "missing_api_key", Message: "no API key: send it as Authorization: Bearer <key>"}
	}
	ns := an.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	who := g.hashIP(clientIP)
	acct := &Account{ID: AnonymousAccountID, Name: AnonymousAccountID, Status: StatusActive, DefaultNamespace: ns}
	key := &Key{ID: "anon_" + who, AccountID: acct.ID, Status: StatusActive, Models: an.Models, Namespace: ns, Limits: an.Limits}
	return &Caller{Key: key, Account: acct, Namespace: ns, ClientIP: clientIP}, nil
}

// hashIP returns a keyed hash of a client address, so that records and
// limits can tell addresses apart without keeping them.
func (g *Gateway) hashIP(ip string) string {
	if ip == "" {
		return ""
	}
	return g.hasher.Digest("ip:" + strings.ToLower(ip))[:24]
}
