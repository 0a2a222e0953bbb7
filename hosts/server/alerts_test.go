package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/notify/webhook"
)

// Alerts reported by other components (internal key) or admins fold by
// fingerprint, change status, are counted, and a new one reaches the
// signed webhook once.
func TestAlertsOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	const secret = "webhook-signing-secret-for-tests"
	var mu sync.Mutex
	var delivered []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !webhook.Verify([]byte(secret), r.Header.Get(webhook.HeaderTimestamp), body, r.Header.Get(webhook.HeaderSignature)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		delivered = append(delivered, string(body))
		mu.Unlock()
	}))
	defer hook.Close()
	_, base := gatewayServer(t, map[string]string{
		"TOLLGATE_INTERNAL_KEY": "internal-key-for-tests-0123", "TOLLGATE_ALERT_WEBHOOK_URL": hook.URL, "TOLLGATE_ALERT_WEBHOOK_SECRET": secret,
	})
	report := map[string]any{"type": "error_rate", "severity": "warning", "title": "Errors at provider openai", "subject": "provider:prv_1",
		"details": map[string]any{"metric": "error_rate", "value": 0.3, "threshold": 0.2, "window_seconds": 300}}
	var first, again struct {
		ID     string
		Count  int64
		Status string
	}
	is.Equal(call(t, "POST", base+"/internal/alerts/report", "wrong", report, nil), http.StatusUnauthorized)
	is.Equal(call(t, "POST", base+"/internal/alerts/report", "internal-key-for-tests-0123", report, &first), http.StatusCreated)
	is.Equal(call(t, "POST", base+"/internal/alerts/report", "internal-key-for-tests-0123", report, &again), http.StatusOK)
	is.Equal(again.ID, first.ID) // the same fingerprint within the cooldown is one alert
	is.Equal(again.Count, int64(2))
	is.Equal(call(t, "POST", base+"/admin/alerts", adminKey, map[string]any{"type": "x"}, nil), http.StatusBadRequest) // title required

	is.Equal(call(t, "POST", base+"/admin/alerts/"+first.ID+"/acknowledge", adminKey, nil, &again), http.StatusOK)
	is.Equal(again.Status, "acknowledged")
	var list struct{ Data []struct{ ID string } }
	is.Equal(call(t, "GET", base+"/admin/alerts?status=acknowledged", adminKey, nil, &list), http.StatusOK)
	is.Equal(len(list.Data), 1)
	is.Equal(call(t, "POST", base+"/admin/alerts/"+first.ID+"/resolve", adminKey, nil, nil), http.StatusOK)
	var stats struct {
		Data []struct {
			Status   string
			Severity string
			Count    int64
		}
	}
	is.Equal(call(t, "GET", base+"/admin/alerts/stats", adminKey, nil, &stats), http.StatusOK)
	is.Equal(len(stats.Data), 1)
	is.Equal(stats.Data[0].Status, "resolved")
	is.Equal(call(t, "GET", base+"/admin/alerts/alt_missing", adminKey, nil, nil), http.StatusNotFound)

	is.True(within(5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(delivered) == 1 }))
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	is.Equal(len(delivered), 1) // the folded report was not delivered again
	mu.Unlock()
}

// Each alert type goes to the notifiers its route names, and the outcome
// of each delivery is kept on the alert; thresholds set over HTTP are
// what the detectors judge by.
func TestAlertRoutesAndDeliveries(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var mu sync.Mutex
	hooked := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hooked++
		mu.Unlock()
	}))
	defer hook.Close()
	_, base := gatewayServer(t, map[string]string{
		"TOLLGATE_ALERT_WEBHOOK_URL": hook.URL, "TOLLGATE_ALERT_ROUTES": "error_rate=webhook,log;*=log",
	})
	type delivery struct {
		Notifier  string
		Delivered bool
	}
	var alert struct {
		ID         string
		Deliveries []delivery
	}
	deliveries := func(typ string) []delivery {
		is.Equal(call(t, "POST", base+"/admin/alerts", adminKey, map[string]any{"type": typ, "title": "t"}, &alert), http.StatusCreated)
		is.True(within(5*time.Second, func() bool {
			call(t, "GET", base+"/admin/alerts/"+alert.ID, adminKey, nil, &alert)
			return len(alert.Deliveries) > 0
		}))
		return alert.Deliveries
	}
	is.Equal(deliveries("error_rate"), []delivery{{"webhook", true}, {"log", true}})
	is.Equal(deliveries("traffic_spike"), []delivery{{"log", true}}) // the default route
	mu.Lock()
	is.Equal(hooked, 1)
	mu.Unlock()

	var th map[string]any
	is.Equal(call(t, "PUT", base+"/admin/alerts/thresholds", adminKey, map[string]any{"account_rpm": 100, "spill": true}, &th), http.StatusOK)
	is.Equal(call(t, "GET", base+"/admin/alerts/thresholds", adminKey, nil, &th), http.StatusOK)
	is.Equal(th["account_rpm"], 100.0)
}
