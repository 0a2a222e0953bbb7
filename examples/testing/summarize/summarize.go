// Package summarize is a small package of a service that uses Tollgate as
// a library: it summarizes its users' documents by calling the gateway in
// process, with no HTTP between them. Each tenant of the service is a
// Tollgate account and each user a principal within it (gw.CallerFor),
// so the account's rate limits, prepaid credits and request records apply
// to every summary without the service issuing a key per user.
//
// The package takes the gateway's ports (Store, Cache, Drivers) from its
// caller instead of choosing them: the production main passes the
// durable adapters (adapters/sqlstore, adapters/redis, a real provider's
// driver), and the tests pass in-process ones (adapters/memory, SQLite in
// a temporary file, adapters/providers/mock). summarize_test.go runs one
// table of cases against two Stores that way; that is what this example
// shows.
package summarize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Ports are the adapters the Service runs on. The Service does not own
// them: whoever opened the Store and Cache closes them after Close.
type Ports struct {
	Store   gateway.Store
	Cache   gateway.Cache
	Drivers gateway.Drivers
	// Hasher keys the digests of client keys; the same secret must be used
	// by every instance that shares the Store.
	Hasher *gateway.Hasher
}

// Service summarizes text with one model on behalf of tenants' users. It
// is safe for concurrent use. Build it with New and stop it with Close.
type Service struct {
	gw    *gateway.Gateway
	rec   *gateway.Recorder
	admin *gateway.Admin
	model string
}

// New builds a gateway over p, loads its configuration from p.Store, and
// returns a Service that asks model for summaries.
func New(ctx context.Context, model string, p Ports) (*Service, error) {
	// The Recorder writes a record of every request, in batches, to the
	// same Store the configuration lives in.
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, p.Store)
	gw := gateway.New(gateway.Config{}, p.Store, p.Cache, p.Drivers, p.Hasher,
		gateway.SystemClock{}, gateway.RandomIDs{}, rec)
	if err := gw.Start(ctx); err != nil {
		return nil, errors.Join(err, rec.Close(ctx))
	}
	return &Service{gw: gw, rec: rec, admin: gateway.NewAdmin(gw), model: model}, nil
}

// Admin configures the gateway the Service calls: providers, accounts and
// their limits, credits. The service's own back office would call it; so
// do the tests, to set up each case and read the records and the ledger.
func (s *Service) Admin() *gateway.Admin { return s.admin }

// maxSummaryTokens caps the length of a summary. It also keeps the credit
// hold of a prepaid request small: without it the gateway holds for the
// model's longest possible answer.
const maxSummaryTokens = 200

// Summarize returns a one-paragraph summary of text, billed to the
// tenant's account and recorded under user. Gateway errors are wrapped:
// gateway.ErrorCode(err) tells a rate limit (CodeRateLimited) from
// missing credits (CodeNoCredits) and so on.
func (s *Service) Summarize(ctx context.Context, tenant, user, text string) (string, error) {
	// A caller per request: the gateway gives it the request's ID. It is
	// built from the in-memory configuration, with no I/O.
	caller, err := s.gw.CallerFor(tenant, user, "")
	if err != nil {
		return "", fmt.Errorf("summarize for %s: %w", user, err)
	}
	resp, err := s.gw.Chat(ctx, caller, s.request(text))
	if err != nil {
		return "", fmt.Errorf("summarize for %s: %w", user, err)
	}
	if len(resp.Choices) == 0 {
		return "", fmt.Errorf("summarize for %s: the model returned no choice", user)
	}
	return resp.Choices[0].Message.Content.Text(), nil
}

// SummarizeStream writes the summary to w as the model writes it, for a
// page that shows it growing. Errors as Summarize.
func (s *Service) SummarizeStream(ctx context.Context, tenant, user, text string, w io.Writer) error {
	caller, err := s.gw.CallerFor(tenant, user, "")
	if err != nil {
		return fmt.Errorf("summarize for %s: %w", user, err)
	}
	stream, err := s.gw.ChatStream(ctx, caller, s.request(text))
	if err != nil {
		return fmt.Errorf("summarize for %s: %w", user, err)
	}
	// Close ends the request early if we stop reading; after io.EOF it
	// only releases the stream. Either way the gateway settles and
	// records what was used.
	defer stream.Close()
	for {
		chunk, err := stream.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("summarize for %s: %w", user, err)
		}
		for _, c := range chunk.Choices {
			if _, err := io.WriteString(w, c.Delta.Content); err != nil {
				return err
			}
		}
	}
}

func (s *Service) request(text string) *gateway.ChatRequest {
	limit := maxSummaryTokens
	return &gateway.ChatRequest{
		Model: s.model,
		Messages: []gateway.Message{
			{Role: "system", Content: gateway.TextContent("Summarize the user's text in one short paragraph.")},
			{Role: "user", Content: gateway.TextContent(strings.TrimSpace(text))},
		},
		MaxTokens: &limit,
	}
}

// Flush writes now what the gateway writes in the background: the
// charges of finished requests to the ledger and their records to the
// Store. Tests call it before they read either; a service that may be
// frozen between requests (AWS Lambda) calls it before it answers.
func (s *Service) Flush(ctx context.Context) error {
	return errors.Join(s.gw.Flush(ctx), s.rec.Flush(ctx))
}

// Close stops the gateway and writes the records still queued.
func (s *Service) Close(ctx context.Context) error {
	return errors.Join(s.gw.Close(), s.rec.Close(ctx))
}
