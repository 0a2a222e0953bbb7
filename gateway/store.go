package gateway

// Store is the durable source of truth. It is split into focused
// interfaces so that code asks only for what it uses; an adapter
// implements them all and passes gatewaytest.TestStore.
//
// Store methods return *Error with CodeNotFound and CodeConflict as their
// docs say; any other failure is an error the caller treats as
// CodeInternal. Returned values are copies: changing them does not change
// the Store.
type Store interface {
	AccountStore
	KeyStore
	ProviderStore
	CredentialStore
	ModelStore
	BindingStore
	RecordStore
	StatsStore
	SettingsStore
	AlertStore
	LedgerStore
	CouponStore
	PolicyStore
}
