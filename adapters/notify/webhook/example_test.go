package webhook_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/notify/webhook"
)

// A receiver checks the signature with the raw body and the timestamp
// header, then rejects stale timestamps so a captured request cannot be
// replayed.
func ExampleVerify() {
	secret := []byte("whsec_example")
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	body := []byte(`{"id":"alr_1","type":"low_balance"}`)

	req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(string(body)))
	req.Header.Set(webhook.HeaderTimestamp, ts)
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, ts, body))

	sec, err := strconv.ParseInt(req.Header.Get(webhook.HeaderTimestamp), 10, 64)
	fresh := err == nil && time.Since(time.Unix(sec, 0)).Abs() <= 5*time.Minute
	authentic := webhook.Verify(secret, req.Header.Get(webhook.HeaderTimestamp), body, req.Header.Get(webhook.HeaderSignature))
	fmt.Println(authentic && fresh)
	fmt.Println(webhook.Verify(secret, ts, []byte(`{"id":"alr_2"}`), req.Header.Get(webhook.HeaderSignature)))
	// Output:
	// true
	// false
}
