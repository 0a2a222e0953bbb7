package gateway

import "time"

// Caller is the authenticated client of one request.
type Caller struct {
	Key     *Key
	Account *Account
	// Namespace is where the request routes: the key's, else its
	// account's default.
	Namespace string
	// RequestID identifies the request in records and to the client; the
	// Gateway makes one when it is empty. It must be unique: it keys the
	// request's record, credit hold, settlement and ledger entry, so a
	// repeated one is charged once. A host must not take it from a client.
	RequestID string
	// ClientRequestID is an id the client sent for the request, kept in
	// its record so that the client can find it by its own id; it is
	// never the RequestID.
	ClientRequestID string
	ClientIP        string
	// RateStatus is what the request learnt of its limits, for the
	// x-ratelimit-* headers; set once it has been admitted or refused.
	RateStatus *RateStatus
}

// Authenticate finds the client key in the current Snapshot for a request
// from clientIP; it does no I/O. CodeUnauthenticated if the key is
// unknown, revoked, expired, of a disabled account, or of an earlier epoch
// of its account; CodeForbidden if it may not be used from clientIP, or
// is a master key (which calls no model).
//
// The lookup is by HMAC digest, so the time it takes says nothing about
// how much of a guessed key was right.
func (g *Gateway) Authenticate(key, clientIP string) (*Caller, error) {
	d := g.hasher.digest(key)
	c, err := g.snapshot().authenticate(&d.sum, clientIP, g.clock.Now())
	g.hasher.release(d)
	if err == nil && c.Key.Master {
		return nil, &Error{Code: CodeForbidden, Type: "master_key", Message: "a master key manages keys and calls no model: issue a client key with it"}
	}
	return c, err
}

// AuthenticateMaster is Authenticate for the account's own key
// management: it accepts only master keys (CodeForbidden for others).
func (g *Gateway) AuthenticateMaster(key, clientIP string) (*Caller, error) {
	d := g.hasher.digest(key)
	c, err := g.snapshot().authenticate(&d.sum, clientIP, g.clock.Now())
	g.hasher.release(d)
	if err == nil && !c.Key.Master {
		return nil, &Error{Code: CodeForbidden, Type: "not_master_key", Message: "this needs the account's master key"}
	}
	return c, err
}

// UseNamespace routes the caller's requests in ns instead of its default.
// CodeForbidden if its key may not use ns.
func (c *Caller) UseNamespace(ns string) error {
	if !c.Key.AllowsNamespace(ns, c.Account) {
		return &Error{Code: CodeForbidden, Type: "namespace_not_allowed", Message: "this key may not use namespace " + quote(ns)}
	}
	c.Namespace = ns
	return nil
}

// authenticate finds the key whose digest is digest: a map lookup that
// allocates nothing once the key has served a request (see keyTable).
func (s *Snapshot) authenticate(digest *[32]byte, clientIP string, now time.Time) (*Caller, error) {
	k, ok := s.keys.find(digest)
	if !ok {
		return nil, &Error{Code: CodeUnauthenticated, Type: "invalid_api_key", Message: "invalid API key"}
	}
	acct := s.accounts[k.AccountID]
	if !k.UsableAt(now, acct) {
		return nil, &Error{Code: CodeUnauthenticated, Type: "invalid_api_key", Message: "API key is expired, revoked or disabled"}
	}
	if !k.AllowsIP(clientIP) {
		return nil, &Error{Code: CodeForbidden, Type: "ip_not_allowed", Message: "this key may not be used from " + clientIP}
	}
	ns := k.Namespace
	if ns == "" {
		ns = acct.DefaultNamespace
	}
	return &Caller{Key: k, Account: acct, Namespace: ns, ClientIP: clientIP}, nil
}
