// Package anthropicapi translates Anthropic's Messages API to and from the
// canonical, OpenAI-shaped chat types of package gateway, so that clients
// written for Anthropic (Claude Code, anthropic-sdk-go) can reach any
// upstream through POST /v1/messages.
//
// When a route's upstream is Anthropic itself, the HTTP server passes the
// request through unchanged and this package is not involved. Otherwise:
//
//   - ToChat turns the client's anthropicwire.Request into a
//     gateway.ChatRequest for gateway.Gateway.Chat or ChatStream;
//   - FromChat turns a whole gateway.ChatResponse into the
//     anthropicwire.Response the client expects;
//   - a Stream turns the chunks of a streamed completion into Anthropic's
//     event sequence (message_start, content blocks, message_delta,
//     message_stop), and Stream.Error an error that cuts it into an error
//     event.
//
// What cannot be expressed in the canonical format is refused rather than
// silently dropped, so a client never gets an answer to a different
// question than it asked: Anthropic-defined tools (web_search, bash, ...),
// MCP servers, Files API sources and server-tool blocks are CodeInvalid,
// with a message saying they need an Anthropic upstream. Only what changes
// nothing for the model is dropped: thinking blocks of earlier turns,
// cache_control breakpoints, top_k (OpenAI rejects it) and citations.
//
// The package is pure: no I/O, no clock; a Stream is not safe for
// concurrent use (one belongs to one response).
package anthropicapi
