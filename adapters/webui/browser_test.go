package webui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/gateway"
)

// chromium finds Debian's Chromium (.ci/chromium.sh installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("browser test skipped: chromium is not installed (run .ci/chromium.sh, which `make test` does)")
	return ""
}

// artifacts is where screenshots go: $TOLLGATE_UI_ARTIFACTS, else a
// temporary directory of the test.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TOLLGATE_UI_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// TestBrowser drives the dashboard in headless Chromium as a user would:
// sign in, create a mock provider with a credential, create a prepaid
// account, grant it credits, issue a key, call a model with that key
// through the HTTP API, and find the request in the logs and its cost on
// the account; one screenshot per page.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	dir := artifacts(t)
	f := newFixture(t, "browser-secret", func(gw *gateway.Gateway, admin *gateway.Admin) http.Handler {
		return httpapi.New(httpapi.Config{AdminKeyDigest: admin.KeyDigest(adminKey)}, gw, admin)
	})
	// The price of the mock model: 100 credits per million tokens each way.
	if _, err := f.admin.PutModel(context.Background(), &gateway.Model{Name: "mock-1",
		Prices: gateway.Prices{Input: 100_000_000, Output: 100_000_000}}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.Flag("disable-dev-shm-usage", true))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil { // start the browser
		t.Fatalf("start chromium: %v", err)
	}
	// Destructive actions ask for confirmation: accept every dialog, and
	// count them.
	var dialogs atomic.Int32
	opened := chromedp.Events(bctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range opened {
			if err != nil {
				return
			}
			dialogs.Add(1)
			_, _ = chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()

	base := f.srv.URL + "/ui"
	fatal := func(step string, err error) {
		t.Helper()
		html, _ := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage: %s", step, err, html)
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(bctx, 20*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			fatal(step, err)
		}
	}
	text := func(step string, sel chromedp.CSS) string {
		t.Helper()
		sctx, scancel := context.WithTimeout(bctx, 20*time.Second)
		defer scancel()
		s, err := chromedp.Run(sctx, chromedp.Text(sel))
		if err != nil {
			fatal(step, err)
		}
		return strings.TrimSpace(s)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			fatal("screenshot "+name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	id := func(s string) chromedp.ID { return chromedp.ID(s) }
	// submit clicks a button that submits a form and waits for the page
	// that answers it.
	submit := func(sel chromedp.CSS) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(sel))(ctx, t)
			return chromedp.Void{}, err
		}
	}

	do("sign-in page", chromedp.Navigate(base+"/overview"), chromedp.WaitVisible(id("key")))
	shot("01-login")
	do("sign in", chromedp.SendKeys(id("key"), adminKey), submit("#signin"),
		chromedp.WaitVisible(id("total-requests")))

	do("create a provider",
		chromedp.Navigate(base+"/providers"),
		chromedp.WaitVisible(id("create-provider")),
		chromedp.SetValue(id("source"), "type:mock"),
		chromedp.SendKeys(id("name"), "demo"),
		chromedp.SendKeys(id("models"), "mock-*"),
		chromedp.SendKeys(id("key"), "sk-mock-credential"),
		submit("#create-provider"),
		chromedp.WaitVisible(id("credentials")),
	)
	if creds := text("credentials", "#credentials tbody"); !strings.Contains(creds, "first") || !strings.Contains(creds, "active") {
		t.Fatalf("credentials: %q", creds)
	}
	do("validate", submit("#validate"), chromedp.WaitVisible(id("run")))
	shot("03-provider")
	do("providers list", chromedp.Navigate(base+"/providers"), chromedp.WaitVisible(id("create-provider")))
	shot("02-providers")

	do("create an account",
		chromedp.Navigate(base+"/accounts"),
		chromedp.WaitVisible(id("create-account")),
		chromedp.SendKeys(id("name"), "team-a"),
		chromedp.Click(id("prepaid")),
		submit("#create-account"),
		chromedp.WaitVisible(id("keys")),
	)
	accountURL, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	do("grant credits",
		chromedp.SetValue(id("kind"), "grant"),
		chromedp.SendKeys(id("amount"), "5"),
		chromedp.SendKeys(id("reason"), "welcome credits"),
		submit("#grant"),
		chromedp.WaitVisible(id("ledger")),
	)
	if balance := text("balance", "#balance"); balance != "5.000000" {
		t.Fatalf("balance after the grant: %q", balance)
	}
	do("issue a key", chromedp.SendKeys(id("name"), "e2e"), submit("#issue-key"), chromedp.WaitVisible(id("issued-secret")))
	secret := text("secret", "#issued-secret")

	// A client calls a model with the key, through the HTTP API.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"mock-1","messages":[{"role":"user","content":"hello from the browser test"}]}`))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var chat struct {
		ID    string `json:"id"`
		Usage struct {
			Prompt     int `json:"prompt_tokens"`
			Completion int `json:"completion_tokens"`
		} `json:"usage"`
	}
	err = json.NewDecoder(resp.Body).Decode(&chat)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("chat: status %d, %v", resp.StatusCode, err)
	}
	requestID := resp.Header.Get("X-Request-Id")
	cost := gateway.Micros((chat.Usage.Prompt + chat.Usage.Completion) * 100)

	// The request shows in the logs once the Recorder has written it.
	var logs string
	for deadline := time.Now().Add(15 * time.Second); ; {
		do("logs", chromedp.Navigate(base+"/logs"), chromedp.WaitVisible(id("logs")))
		logs = text("logs", "#logs tbody")
		if strings.Contains(logs, requestID) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(logs, requestID) || !strings.Contains(logs, cost.String()) {
		t.Fatalf("logs lack request %s costing %s: %q", requestID, cost, logs)
	}
	shot("05-logs")
	do("open the request", submit(chromedp.CSS(`#logs tbody a[href*="`+requestID+`"]`)), chromedp.WaitVisible(id("attempts")))
	if costText := text("cost", "#cost"); !strings.Contains(costText, cost.String()) {
		t.Fatalf("request cost %q, want %s", costText, cost)
	}
	shot("06-request")

	// Its cost is on the account: a usage entry and the balance less.
	var ledger, balance string
	for deadline := time.Now().Add(15 * time.Second); ; {
		do("account", chromedp.Navigate(accountURL), chromedp.WaitVisible(id("ledger")))
		ledger, balance = text("ledger", "#ledger tbody"), text("balance", "#balance")
		if strings.Contains(ledger, "usage") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if want := (5_000_000 - cost).String(); !strings.Contains(ledger, "-"+cost.String()) || balance != want {
		t.Fatalf("account: balance %q, want %s; ledger %q", balance, want, ledger)
	}
	shot("04-account")

	do("accounts list", chromedp.Navigate(base+"/accounts"), chromedp.WaitVisible(id("create-account")))
	shot("07-accounts")
	do("overview", chromedp.Navigate(base+"/overview"), chromedp.WaitVisible(chromedp.CSS(".chart canvas")))
	if n := text("total", "#total-requests"); n != "1" {
		t.Errorf("overview counts %s requests, want 1", n)
	}
	shot("08-overview")
	for _, p := range []string{"alerts", "routing", "settings"} {
		do(p, chromedp.Navigate(base+"/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shot("09-" + p)
	}

	// Narrow window: the account page still fits, and a destructive
	// action asks first.
	do("narrow", chromedp.EmulateViewport(390, 844), chromedp.Navigate(accountURL), chromedp.WaitVisible(id("keys")))
	shot("10-account-narrow")
	overflow, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Error("the account page is wider than a 390px window")
	}
	do("revoke", submit(`#keys button.danger`), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if dialogs.Load() == 0 {
		t.Error("revoking a key did not ask for confirmation")
	}

	do("sign out", submit("#logout"), chromedp.WaitVisible(id("key")))
}
