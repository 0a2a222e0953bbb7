package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

func (s *Server) adminRoutes(r *mux.Router) {
	h := func(path string, f http.HandlerFunc, methods ...string) {
		r.HandleFunc(path, s.adminOnly(f)).Methods(methods...)
	}
	h("/providers", s.createProvider, http.MethodPost)
	h("/providers", s.listProviders, http.MethodGet)
	h("/providers/presets", s.listPresets, http.MethodGet)
	h("/providers/preset", s.createFromPreset, http.MethodPost)
	h("/providers/custom", s.createCustom, http.MethodPost)
	h("/providers/{id}", s.getProvider, http.MethodGet)
	h("/providers/{id}", s.updateProvider, http.MethodPatch)
	h("/providers/{id}", s.deleteProvider, http.MethodDelete)
	h("/providers/{id}/credentials", s.addCredentials, http.MethodPost)
	h("/providers/{id}/credentials", s.listCredentials, http.MethodGet)
	h("/providers/{id}/credentials/import", s.importCredentials, http.MethodPost)
	h("/providers/{id}/credentials/delete", s.deleteCredentials, http.MethodPost)
	h("/providers/{id}/credentials/export", s.exportCredentials, http.MethodGet)
	h("/validation/providers/{id}", s.validateProvider, http.MethodPost)
	h("/validation/history", s.validationHistory, http.MethodGet)
	h("/retry-policies", s.listPolicies, http.MethodGet)
	h("/retry-policies/{name}", s.putPolicy, http.MethodPut)
	h("/retry-policies/{name}", s.deletePolicy, http.MethodDelete)
	h("/circuit-breakers", s.listBreakers, http.MethodGet)
	h("/circuit-breakers/reset-all", s.resetAllBreakers, http.MethodPost)
	h("/circuit-breakers/{provider}", s.getBreaker, http.MethodGet)
	h("/circuit-breakers/{provider}/reset", s.resetBreaker, http.MethodPost)
	h("/credentials/{id}", s.updateCredential, http.MethodPatch)
	h("/credentials/{id}/enable", s.setCredentialStatus(gateway.StatusActive), http.MethodPost)
	h("/credentials/{id}/degrade", s.setCredentialStatus(gateway.StatusDegraded), http.MethodPost)
	h("/credentials/{id}/disable", s.setCredentialStatus(gateway.StatusDisabled), http.MethodPost)
	h("/credentials/{id}/invalidate", s.setCredentialStatus(gateway.StatusInvalid), http.MethodPost)
	h("/credentials/{id}/pending", s.setCredentialStatus(gateway.StatusPending), http.MethodPost)
	h("/credentials/{id}/events", s.credentialEvents, http.MethodGet)
	h("/credentials/{id}/pin", s.pinCredential, http.MethodPost)
	h("/providers/{id}/unpin", s.unpinProvider, http.MethodPost)
	h("/credentials/{id}", s.deleteCredential, http.MethodDelete)

	h("/accounts", s.createAccount, http.MethodPost)
	h("/accounts", s.listAccounts, http.MethodGet)
	h("/accounts/{id}", s.getAccount, http.MethodGet)
	h("/accounts/{id}", s.updateAccount, http.MethodPatch)
	h("/accounts/{id}/credits", s.credit, http.MethodPost)
	h("/accounts/{id}/balance", s.accountBalance, http.MethodGet)
	h("/ledger", s.listLedger, http.MethodGet)
	h("/ledger/check", s.checkLedger, http.MethodGet)
	h("/ledger/summary", s.ledgerSummary, http.MethodGet)
	h("/refunds", s.refund, http.MethodPost)
	h("/credits/bulk", s.bulkCredit, http.MethodPost)
	h("/coupons", s.createCoupon, http.MethodPost)
	h("/coupons", s.listCoupons, http.MethodGet)
	h("/coupons/{code}/deactivate", s.setCouponActive(false), http.MethodPost)
	h("/coupons/{code}/activate", s.setCouponActive(true), http.MethodPost)
	h("/accounts/{id}/keys", s.issueKey, http.MethodPost)
	h("/accounts/{id}/keys", s.listAccountKeys, http.MethodGet)
	h("/accounts/{id}/master-key", s.issueMasterKey, http.MethodPost)
	h("/accounts/{id}/revoke-keys", s.revokeAccountKeys, http.MethodPost)
	h("/accounts/{id}/realtime", s.accountRealtime, http.MethodGet)
	h("/keys", s.listKeys, http.MethodGet)
	h("/keys/{id}", s.revokeKey, http.MethodDelete)
	h("/keys/{id}", s.updateKey, http.MethodPatch)

	h("/models", s.listCatalog, http.MethodGet)
	h("/models/{name:.+}", s.putModel, http.MethodPut)
	h("/models/{name:.+}", s.deleteModel, http.MethodDelete)
	h("/bindings", s.createBinding, http.MethodPost)
	h("/bindings", s.listBindings, http.MethodGet)
	h("/bindings/{id}", s.deleteBinding, http.MethodDelete)

	h("/logs", s.listLogs, http.MethodGet)
	h("/stats", s.listStats, http.MethodGet)
	h("/stats/summary", s.statsSummary, http.MethodGet)
	h("/alerts", s.listAlerts, http.MethodGet)
	h("/alerts", s.reportAlert, http.MethodPost)
	h("/alerts/stats", s.alertStats, http.MethodGet)
	h("/alerts/thresholds", s.getThresholds, http.MethodGet)
	h("/alerts/thresholds", s.putThresholds, http.MethodPut)
	h("/alerts/{id}", s.getAlert, http.MethodGet)
	h("/alerts/{id}/acknowledge", s.setAlertStatus(gateway.AlertAcknowledged), http.MethodPost)
	h("/alerts/{id}/resolve", s.setAlertStatus(gateway.AlertResolved), http.MethodPost)
	h("/alerts/{id}/dismiss", s.setAlertStatus(gateway.AlertDismissed), http.MethodPost)
	h("/settings", s.getSettings, http.MethodGet)
	h("/settings", s.putSettings, http.MethodPut)
}

// list is the envelope of every admin list response.
type list[T any] struct {
	Object string `json:"object"`
	Data   []T    `json:"data"`
}

func writeList[T, V any](w http.ResponseWriter, items []T, view func(T) V) {
	out := list[V]{Object: "list", Data: make([]V, 0, len(items))}
	for _, it := range items {
		out.Data = append(out.Data, view(it))
	}
	writeJSON(w, http.StatusOK, out)
}

// intParam reads an optional integer query parameter. CodeInvalid names
// the parameter when it is not a number.
func intParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, gateway.Invalid(name, "%s must be a non-negative integer", name)
	}
	return n, nil
}
