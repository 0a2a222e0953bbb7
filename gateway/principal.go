package gateway

// PrincipalKeyPrefix starts the key ID of a caller made for a service's
// own principal (CallerFor), so records tell them from Tollgate keys.
const PrincipalKeyPrefix = "principal_"

// CallerFor returns a caller for an account without a Tollgate key: for
// a service that authenticates its own users and maps each to an
// account (hosts/middleware's authenticator, or a direct gw.Chat call).
// principal names the user within the service; it becomes the caller's
// key ID in records, limits and budgets as the key would. The caller has
// the account's limits, namespace and prepaid balance. CodeNotFound for
// an unknown account; CodeForbidden for a disabled one.
func (g *Gateway) CallerFor(accountID, principal, clientIP string) (*Caller, error) {
	acct, ok := g.snapshot().accounts[accountID]
	if !ok {
		return nil, Errorf(CodeNotFound, "account %q not found", accountID)
	}
	if acct.Status != StatusActive {
		return nil, &Error{Code: CodeForbidden, Type: "account_disabled", Message: "account " + quote(acct.Name) + " is disabled"}
	}
	key := &Key{ID: PrincipalKeyPrefix + principal, AccountID: acct.ID, Name: principal, Status: StatusActive,
		Epoch: acct.Epoch, Namespace: acct.DefaultNamespace}
	return &Caller{Key: key, Account: acct, Namespace: acct.DefaultNamespace, ClientIP: clientIP}, nil
}
