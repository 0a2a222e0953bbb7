package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// fixture is a Gateway on the memory adapters, a fake clock and scripted
// upstreams of type "fake".
type fixture struct {
	gw     *gateway.Gateway
	admin  *gateway.Admin
	store  *memory.Store
	cache  *memory.Cache
	clock  *gatewaytest.Clock
	rec    *gateway.Recorder
	fakes  *fakes
	hasher *gateway.Hasher
}

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, gateway.Config{})
}

// newFixtureWith is newFixture with a Config, and the Cache the Gateway
// sees passed through wrap when given.
func newFixtureWith(t *testing.T, cfg gateway.Config, wrap ...func(gateway.Cache) gateway.Cache) *fixture {
	t.Helper()
	return newFixtureOver(t, cfg, nil, wrap...)
}

// newFixtureOver is newFixtureWith with the Store the Gateway sees passed
// through wrapStore when given.
func newFixtureOver(t *testing.T, cfg gateway.Config, wrapStore func(gateway.Store) gateway.Store, wrap ...func(gateway.Cache) gateway.Cache) *fixture {
	t.Helper()
	f := &fixture{store: memory.NewStore(), clock: gatewaytest.NewClock(t0), fakes: &fakes{ups: map[string]*fakeUpstream{}}}
	f.cache = memory.NewCache(f.clock)
	t.Cleanup(f.cache.Close)
	var cache gateway.Cache = f.cache
	for _, w := range wrap {
		cache = w(cache)
	}
	h, err := gateway.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	f.hasher = h
	var store gateway.Store = f.store
	if wrapStore != nil {
		store = wrapStore(store)
	}
	f.rec = gateway.NewRecorder(gateway.RecorderConfig{Interval: 10 * time.Millisecond}, f.store)
	f.gw = gateway.New(cfg, store, cache, gateway.Drivers{"fake": f.fakes}, h, f.clock, &gatewaytest.IDs{}, f.rec)
	f.admin = gateway.NewAdmin(f.gw)
	if err := f.gw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = f.gw.Close()
		_ = f.rec.Close(context.Background())
	})
	return f
}

// provider creates a provider of type fake serving models, with one
// credential per weight.
func (f *fixture) provider(t *testing.T, name string, models []string, weights ...int) *gateway.Provider {
	t.Helper()
	ctx := context.Background()
	p, err := f.admin.CreateProvider(ctx, &gateway.Provider{Name: name, Type: "fake", Models: models})
	if err != nil {
		t.Fatal(err)
	}
	var cs []*gateway.Credential
	for i, w := range weights {
		cs = append(cs, &gateway.Credential{Name: name + "-" + string(rune('a'+i)), Secret: gateway.Secret("sk-" + name), Weight: w})
	}
	if len(cs) > 0 {
		if _, err := f.admin.AddCredentials(ctx, p.ID, cs); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// caller issues a key on a new account and authenticates it.
func (f *fixture) caller(t *testing.T, spec gateway.KeySpec) *gateway.Caller {
	t.Helper()
	_, secret := f.key(t, spec)
	c, err := f.gw.Authenticate(secret, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) key(t *testing.T, spec gateway.KeySpec) (*gateway.Key, string) {
	t.Helper()
	ctx := context.Background()
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "acct-" + f.fakes.next()})
	if err != nil {
		t.Fatal(err)
	}
	k, secret, err := f.admin.IssueKey(ctx, acct.ID, spec, gateway.IssuedByAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

// records flushes the Recorder and returns what it wrote, newest first.
func (f *fixture) records(t *testing.T) []*gateway.RequestRecord {
	t.Helper()
	if err := f.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	rs, err := f.store.ListRecords(context.Background(), gateway.RecordFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func userChat(model, text string) *gateway.ChatRequest {
	return &gateway.ChatRequest{Model: model, Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent(text)}}}
}

// fakes is the Driver of fake upstreams; each provider gets one, found by
// provider name.
type fakes struct {
	mu  sync.Mutex
	ups map[string]*fakeUpstream
	n   int
}

func (d *fakes) next() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n++
	return strings.Repeat("x", d.n)
}

func (d *fakes) Open(p *gateway.Provider) (gateway.Upstream, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.ups[p.Name]; ok {
		u.provider = p
		return u, nil
	}
	u := &fakeUpstream{name: p.Name, provider: p}
	d.ups[p.Name] = u
	return u, nil
}

func (d *fakes) get(name string) *fakeUpstream {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ups[name]
}

// fakeUpstream answers with the model it was sent and records each call's
// credential; errs are returned by the next calls, one each.
type fakeUpstream struct {
	name     string
	provider *gateway.Provider // as the driver last opened it
	mu       sync.Mutex
	errs     []error
	calls    []fakeCall
	answers  []int           // statuses of the next pass-through answers
	sent     []*http.Request // pass-through requests as forwarded
	slow     func()          // runs in each call, as the time it takes
	// usageOnFinish puts a stream's usage on its finish chunk, as some
	// OpenAI-compatible servers do, rather than on a chunk of its own.
	usageOnFinish bool
}

type fakeCall struct {
	cred   string
	secret string
	model  string
	req    gateway.ChatRequest
}

func (u *fakeUpstream) fail(errs ...error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.errs = append(u.errs, errs...)
}

func (u *fakeUpstream) called(cred *gateway.Credential, req *gateway.ChatRequest) error {
	if u.slow != nil {
		u.slow()
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.calls = append(u.calls, fakeCall{cred: cred.Name, secret: cred.Secret.Reveal(), model: req.Model, req: *req})
	if len(u.errs) > 0 {
		err := u.errs[0]
		u.errs = u.errs[1:]
		return err
	}
	return nil
}

func (u *fakeUpstream) callLog() []fakeCall {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]fakeCall(nil), u.calls...)
}

var usage = gateway.Usage{PromptTokens: 1000, CompletionTokens: 500, TotalTokens: 1500}

func (u *fakeUpstream) Chat(_ context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	if err := u.called(cred, req); err != nil {
		return nil, err
	}
	us := usage
	return &gateway.ChatResponse{ID: "chatcmpl-1", Object: "chat.completion", Model: req.Model,
		Choices: []gateway.Choice{{Message: gateway.Message{Role: "assistant", Content: gateway.TextContent("hi from " + u.name)}, FinishReason: "stop"}},
		Usage:   &us}, nil
}

func (u *fakeUpstream) ChatStream(_ context.Context, cred *gateway.Credential, req *gateway.ChatRequest) (gateway.ChatStream, error) {
	if err := u.called(cred, req); err != nil {
		return nil, err
	}
	us := usage
	chunks := []*gateway.ChatChunk{
		{Model: req.Model, Choices: []gateway.ChunkChoice{{Delta: gateway.Delta{Role: "assistant"}}}},
		{Model: req.Model, Choices: []gateway.ChunkChoice{{Delta: gateway.Delta{Content: "hi"}}}},
		{Model: req.Model, Choices: []gateway.ChunkChoice{{FinishReason: "stop"}}},
	}
	u.mu.Lock()
	onFinish := u.usageOnFinish
	u.mu.Unlock()
	switch {
	case !req.WantsUsageInStream():
	case onFinish:
		chunks[2].Usage = &us
	default:
		chunks = append(chunks, &gateway.ChatChunk{Model: req.Model, Choices: []gateway.ChunkChoice{}, Usage: &us})
	}
	for _, c := range chunks { // as an OpenAI upstream decodes them
		data, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		c.SetWire(data)
	}
	return &sliceStream{chunks: chunks}, nil
}

func (u *fakeUpstream) Embed(_ context.Context, cred *gateway.Credential, req *gateway.EmbedRequest) (*gateway.EmbedResponse, error) {
	if err := u.called(cred, &gateway.ChatRequest{Model: req.Model}); err != nil {
		return nil, err
	}
	return &gateway.EmbedResponse{Object: "list", Model: req.Model, Data: []gateway.Embedding{{Object: "embedding", Embedding: []byte("[0.5]")}},
		Usage: gateway.Usage{PromptTokens: 3, TotalTokens: 3}}, nil
}

type sliceStream struct {
	chunks  []*gateway.ChatChunk
	closed  bool
	skimmer gateway.ChunkSkimmer
}

func (s *sliceStream) Next() (*gateway.ChatChunk, error) {
	if s.closed {
		return nil, errors.New("closed")
	}
	if len(s.chunks) == 0 {
		return nil, io.EOF
	}
	c := s.chunks[0]
	s.chunks = s.chunks[1:]
	return c, nil
}

// NextRaw gives the chunks that need no decoding as their JSON, as an
// OpenAI upstream does.
func (s *sliceStream) NextRaw() (gateway.RawChunk, error) {
	c, err := s.Next()
	if err != nil {
		return gateway.RawChunk{}, err
	}
	if sk, ok := s.skimmer.Skim(c.Wire()); ok {
		return gateway.RawChunk{JSON: c.Wire(), Text: sk.Text}, nil
	}
	return gateway.RawChunk{Chunk: c}, nil
}

func (s *sliceStream) Close() error { s.closed = true; return nil }

func upstreamErr(code gateway.Code, status int, delivered bool) error {
	return &gateway.Error{Code: code, Status: status, Message: "fake: failed", Delivered: delivered}
}

func TestChatRecordsUsageAndCost(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "p1", []string{"gpt-*"}, 1)
	_, err := f.admin.PutModel(context.Background(), &gateway.Model{Name: "gpt-test", Prices: gateway.Prices{Input: 2_500_000, Output: 10_000_000}})
	is.NoErr(err)
	c := f.caller(t, gateway.KeySpec{})
	f.clock.Advance(time.Second)

	resp, err := f.gw.Chat(context.Background(), c, userChat("gpt-test", "hello"))
	is.NoErr(err)
	is.Equal(resp.Usage.TotalTokens, 1500)
	is.Equal(resp.Choices[0].Message.Content.Text(), "hi from p1")

	rs := f.records(t)
	is.Equal(len(rs), 1)
	r := rs[0]
	is.Equal(r.ID, c.RequestID)
	is.Equal(r.AccountID, c.Account.ID)
	is.Equal(r.KeyID, c.Key.ID)
	is.Equal(r.Code, gateway.Code(""))
	is.Equal(r.Usage.PromptTokens, 1000)
	// 1000 input tokens at $2.50/M plus 500 output at $10/M = $0.0075.
	is.Equal(r.Cost, gateway.Micros(7500))
	is.Equal(len(r.Attempts), 1)
	is.Equal(r.Endpoint, "chat")
}
