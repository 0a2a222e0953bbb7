package gateway

import (
	"context"
	"net/http"
)

// Upstream speaks one provider's protocol. It is built by a Driver for one
// Provider and reused for every request to it, so it holds the provider's
// connection pool; each call names the Credential to authenticate with.
//
// Errors are *Error with an upstream code (CodeUpstream,
// CodeUpstreamTimeout, CodeRateLimited for the provider's 429, CodeInvalid
// or CodeNotFound for what the provider refused as the client's fault),
// the provider's Status and message, and Delivered set when the provider
// may have processed the request (see Error). Implementations must be safe
// for concurrent use.
type Upstream interface {
	// Chat sends a chat request and returns the whole completion.
	Chat(ctx context.Context, cred *Credential, req *ChatRequest) (*ChatResponse, error)
	// ChatStream starts a streamed chat request. It returns once the
	// provider has accepted the request (status 200), so a failure to
	// start can fail over; after that, errors come from the stream.
	ChatStream(ctx context.Context, cred *Credential, req *ChatRequest) (ChatStream, error)
}

// ChatStream is a streamed completion in progress. Next returns chunks in
// order and io.EOF after the last; Close releases the connection and may
// be called at any time, also before the end. A ChatStream is used by one
// goroutine at a time.
type ChatStream interface {
	Next() (*ChatChunk, error)
	Close() error
}

// Buffered is implemented by ChatStreams that can tell whether data of
// their next chunk has already arrived: a host then writes chunks to the
// client as they come but flushes only when the upstream has nothing more
// at hand, so a burst of chunks costs one write to the network, not one
// each, and a slow stream still reaches the client chunk by chunk.
type Buffered interface {
	Buffered() bool
}

// StreamBuffered reports whether s has data of its next chunk at hand;
// false when it cannot tell.
func StreamBuffered(s ChatStream) bool {
	b, ok := s.(Buffered)
	return ok && b.Buffered()
}

// RawStream is implemented by ChatStreams that can hand out a chunk as
// the bytes of an OpenAI chat.completion.chunk without decoding it: an
// OpenAI upstream's stream, whose chunks a host relays to an OpenAI
// client unchanged, and the stream Gateway.ChatStream returns. NextRaw
// is Next for such a host; the two may be mixed. A chunk the stream must
// read (the one with usage, say) comes decoded, as from Next.
type RawStream interface {
	NextRaw() (RawChunk, error)
}

// RawChunk is one chunk from RawStream.NextRaw: its JSON, or, when the
// stream decoded it, the chunk.
type RawChunk struct {
	// JSON is the chunk as the upstream sent it, valid until the
	// stream's next call; nil when Chunk is set.
	JSON []byte
	// Text is, for JSON, ChunkSkim.Text: about how many bytes of text
	// the chunk holds.
	Text int
	// Chunk is the chunk decoded.
	Chunk *ChatChunk
}

// Embedder is implemented by upstreams that serve embeddings.
type Embedder interface {
	Embed(ctx context.Context, cred *Credential, req *EmbedRequest) (*EmbedResponse, error)
}

// ModelLister is implemented by upstreams that can list their models; a
// successful call also proves a credential works.
type ModelLister interface {
	ListModels(ctx context.Context, cred *Credential) ([]ModelInfo, error)
}

// Authorizer is implemented by upstreams that take native pass-through
// requests: it sets the credential on an outgoing request in the
// provider's own way (header, query parameter).
type Authorizer interface {
	Authorize(req *http.Request, cred *Credential) error
}

// Forwarder is implemented by upstreams that take native pass-through
// requests (/proxy/{provider}/...).
type Forwarder interface {
	Authorizer
	// Forward sends req to the provider and returns its response whatever
	// the status. req.URL holds only a path and query, relative to the
	// base URL the provider's own SDK uses (https://api.openai.com/v1,
	// https://api.anthropic.com, https://generativelanguage.googleapis.com),
	// so a client points its SDK at /proxy/{provider} and changes nothing
	// else. req carries no client credential; Forward sets cred the
	// provider's way. Errors are transport failures only, mapped as for
	// Chat (Delivered per the failover contract).
	Forward(ctx context.Context, cred *Credential, req *http.Request) (*http.Response, error)
}

// Metered is implemented by upstreams whose native responses report token
// usage, so that pass-through requests are limited, billed and logged like
// the others.
type Metered interface {
	// Meter returns a UsageMeter for the response to a pass-through
	// request: req is the request as sent upstream, contentType the
	// response's media type ("application/json", "text/event-stream").
	Meter(req *http.Request, contentType string) UsageMeter
}

// UsageMeter reads the usage a provider reports while a response body
// streams to the client, without holding the client up.
type UsageMeter interface {
	// Write is given every byte of the body, in order. It must not fail
	// (it returns len(p), nil), and it bounds what it keeps.
	Write(p []byte) (int, error)
	// Usage returns the usage reported so far and the model that served
	// the request (empty if the response did not say); ok is false when
	// the response reported no usage.
	Usage() (u Usage, model string, ok bool)
}

// Driver builds Upstreams for one provider type ("openai", "mock").
type Driver interface {
	// Open returns an Upstream for p. CodeInvalid if p's settings do not
	// suit the driver (the Field names which).
	Open(p *Provider) (Upstream, error)
}

// DriverFunc adapts a function to Driver.
type DriverFunc func(p *Provider) (Upstream, error)

// Open calls f(p).
func (f DriverFunc) Open(p *Provider) (Upstream, error) { return f(p) }
