package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

func drain(t *testing.T, s gateway.ChatStream) []*gateway.ChatChunk {
	t.Helper()
	defer s.Close()
	var out []*gateway.ChatChunk
	for {
		c, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

// drainRaw reads s to the end by NextRaw, decoding what comes raw, and
// reports for each chunk whether it came as its upstream sent it.
func drainRaw(t *testing.T, s gateway.ChatStream) (chunks []*gateway.ChatChunk, asSent []bool) {
	t.Helper()
	defer s.Close()
	for {
		r, err := s.(gateway.RawStream).NextRaw()
		if errors.Is(err, io.EOF) {
			return chunks, asSent
		}
		if err != nil {
			t.Fatal(err)
		}
		c := r.Chunk
		if r.JSON != nil {
			c = new(gateway.ChatChunk)
			if err := json.Unmarshal(r.JSON, c); err != nil {
				t.Fatal(err)
			}
		}
		chunks = append(chunks, c)
		asSent = append(asSent, r.JSON != nil || c.Wire() != nil)
	}
}

func TestChatStream(t *testing.T) {
	t.Parallel()
	type streamCase struct {
		name          string
		wantUsage     bool
		usageOnFinish bool
		chunks        int
		raw           bool // read by NextRaw
	}
	var cases []streamCase
	for _, raw := range []bool{false, true} {
		cases = append(cases,
			streamCase{"UsageHiddenWhenNotAsked", false, false, 3, raw},
			streamCase{"UsageChunkWhenAsked", true, false, 4, raw},
			streamCase{"UsageOnFinishHiddenWhenNotAsked", false, true, 3, raw},
			streamCase{"UsageOnFinishWhenAsked", true, true, 3, raw})
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/raw=%v", tc.name, tc.raw), func(t *testing.T) {
			is := is.New(t)
			f := newFixture(t)
			f.provider(t, "alpha", []string{"m"}, 1)
			f.fakes.get("alpha").usageOnFinish = tc.usageOnFinish
			c := f.caller(t, gateway.KeySpec{})
			req := userChat("m", "hi")
			req.Stream = true
			if tc.wantUsage {
				req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
			}
			s, err := f.gw.ChatStream(context.Background(), c, req)
			is.NoErr(err)
			var chunks []*gateway.ChatChunk
			var asSent []bool
			if tc.raw {
				chunks, asSent = drainRaw(t, s)
			} else {
				chunks = drain(t, s)
				for _, c := range chunks {
					asSent = append(asSent, c.Wire() != nil)
				}
			}
			is.Equal(len(chunks), tc.chunks)
			last := chunks[len(chunks)-1]
			if tc.wantUsage {
				is.Equal(last.Usage.TotalTokens, 1500)
			}
			for i, ch := range chunks {
				if ch != last || !tc.wantUsage {
					is.True(ch.Usage == nil)
				}
				// Relayed as the upstream sent it, unless the usage had to
				// come off (then it is encoded anew, without).
				stripped := tc.usageOnFinish && !tc.wantUsage && ch == last
				is.Equal(!asSent[i], stripped)
			}
			// The upstream was always asked for usage, so the record has it.
			call := f.fakes.get("alpha").callLog()[0]
			is.True(call.req.WantsUsageInStream())
			r := f.records(t)[0]
			is.True(r.Stream)
			is.Equal(r.Code, gateway.Code(""))
			is.Equal(r.Usage.TotalTokens, 1500)
			is.Equal(req.StreamOptions != nil, tc.wantUsage) // the caller's request is not changed
		})
	}
}

func TestChatStreamFailsOverBeforeFirstChunk(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1, 1)
	f.fakes.get("alpha").fail(upstreamErr(gateway.CodeUpstream, 502, false))
	c := f.caller(t, gateway.KeySpec{})
	req := userChat("m", "hi")
	req.Stream = true
	s, err := f.gw.ChatStream(context.Background(), c, req)
	is.NoErr(err)
	is.Equal(len(drain(t, s)), 3)
	r := f.records(t)[0]
	is.Equal(len(r.Attempts), 2)
	is.Equal(r.Attempts[0].Status, 502)
}

func TestChatStreamClosedEarlyIsCanceled(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	f.provider(t, "alpha", []string{"m"}, 1)
	c := f.caller(t, gateway.KeySpec{})
	req := userChat("m", "hi")
	req.Stream = true
	s, err := f.gw.ChatStream(context.Background(), c, req)
	is.NoErr(err)
	_, err = s.Next()
	is.NoErr(err)
	is.NoErr(s.Close())
	rs := f.records(t)
	is.Equal(len(rs), 1) // recorded once, however it ended
	is.Equal(rs[0].Code, gateway.CodeCanceled)
}
