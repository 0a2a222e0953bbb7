package gateway_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// stalling streams one chunk and then waits until closed, as a provider
// that hangs mid-answer.
type stalling struct{}

func (stalling) Chat(context.Context, *gateway.Credential, *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	return nil, errors.New("not used")
}

func (stalling) ChatStream(context.Context, *gateway.Credential, *gateway.ChatRequest) (gateway.ChatStream, error) {
	return &stallingStream{closed: make(chan struct{})}, nil
}

type stallingStream struct {
	n      int
	once   sync.Once
	closed chan struct{}
}

func (s *stallingStream) Next() (*gateway.ChatChunk, error) {
	s.n++
	if s.n == 1 {
		return &gateway.ChatChunk{Choices: []gateway.ChunkChoice{{Delta: gateway.Delta{Content: "a"}}}}, nil
	}
	<-s.closed
	return nil, errors.New("closed")
}

func (s *stallingStream) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func TestStreamIdleTimeout(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	defer cache.Close()
	h, _ := gateway.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
	defer rec.Close(ctx)
	drivers := gateway.Drivers{"stall": gateway.DriverFunc(func(*gateway.Provider) (gateway.Upstream, error) { return stalling{}, nil })}
	gw := gateway.New(gateway.Config{}, store, cache, drivers, h, gateway.SystemClock{}, &gatewaytest.IDs{}, rec)
	is.NoErr(gw.Start(ctx))
	defer gw.Close()
	admin := gateway.NewAdmin(gw)
	p, err := admin.CreateProvider(ctx, &gateway.Provider{Name: "hang", Type: "stall", Models: []string{"m"}, Options: map[string]string{"stream_idle_seconds": "1"}})
	is.NoErr(err)
	_, err = admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "sk", Weight: 1}})
	is.NoErr(err)
	acct, _ := admin.CreateAccount(ctx, &gateway.Account{Name: "a"})
	_, secret, _ := admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	c, err := gw.Authenticate(secret, "127.0.0.1")
	is.NoErr(err)

	req := userChat("m", "hi")
	req.Stream = true
	s, err := gw.ChatStream(ctx, c, req)
	is.NoErr(err)
	defer s.Close()
	_, err = s.Next()
	is.NoErr(err)
	start := time.Now()
	_, err = s.Next() // the provider stalls
	e := gateway.AsError(err)
	is.Equal(e.Code, gateway.CodeUpstreamTimeout) // cut, not a silent hang
	is.True(time.Since(start) < 5*time.Second)
}
