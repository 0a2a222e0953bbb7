package main

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/uptrace/bun/driver/pgdriver"
)

// cutProxy forwards TCP to a server until it is cut: then it drops every
// connection and refuses new ones, as a database that died would, until
// it is restored.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]struct{}
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close(); c.Close() }()
		go func() { _, _ = io.Copy(c, up); up.Close(); c.Close() }()
	}
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *cutProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// PostgreSQL dies in the middle of a load and comes back: every request
// is still recorded, once — none dropped, none blocking a request.
func TestRecordsSurviveADatabaseOutage(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	dsn := pgDatabase(t)
	u, err := url.Parse(dsn)
	is.NoErr(err)
	proxy := newCutProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.ln.Addr().String()
	_, base := gatewayServer(t, map[string]string{
		"TOLLGATE_PG_DSN": viaProxy.String(), "TOLLGATE_KEY_SECRET": keySecret, "TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ef", 32),
		"TOLLGATE_RECORD_INTERVAL": "50ms", "TOLLGATE_LOG_LEVEL": "error",
	})
	mockProvider(t, base)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "busy"}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key), http.StatusCreated)

	const total = 240
	var wg sync.WaitGroup
	var failed sync.Map
	send := func(n int) {
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range n / 4 {
					if s := chatStatus(t, base, key.Key, "mock-1"); s != http.StatusOK {
						failed.Store(w*1000+i, s)
					}
				}
			}()
		}
		wg.Wait()
	}
	send(total / 3)
	proxy.cut() // the database dies mid-load
	send(total / 3)
	var ready struct{ Status string }
	call(t, "GET", base+"/readyz", "", nil, &ready)
	is.Equal(ready.Status, "degraded") // and says so
	proxy.restore()
	send(total - 2*(total/3))
	failed.Range(func(k, v any) bool { t.Errorf("request %v: status %v", k, v); return true })

	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	defer db.Close()
	var n int
	is.True(within(30*time.Second, func() bool {
		err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM request_records").Scan(&n)
		return err == nil && n >= total
	}))
	is.Equal(n, total) // every request recorded, once
}
