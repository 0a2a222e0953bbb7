// Package anthropicwire holds the Go types of Anthropic's Messages API wire
// format (POST /v1/messages, its server-sent events, errors, GET
// /v1/models), as the API and anthropic-sdk-go define them.
//
// Both directions use them: the Anthropic provider adapter sends a Request
// and reads a Response or Events, and the Anthropic-format front door
// reads a Request from a client and writes a Response or Events back. So
// every type encodes to exactly what the API sends (a text block start is
// {"type":"text","text":""}, a message_start's stop_reason is null) and
// round-trips what it decodes: fields this package does not model are
// kept in Extra and written back after the known ones, and content blocks
// and tools of kinds it does not model (server tools such as web_search)
// are kept whole in Raw.
//
// The package holds types and small helpers only; translation to and from
// the canonical gateway types lives in the adapter.
package anthropicwire
