package anthropicapi

import (
	"crypto/rand"
	"strings"
)

// Id prefixes Anthropic uses. SDKs treat ids as opaque strings (neither
// anthropic-sdk-go nor the TypeScript SDK checks them), but the prefixes
// keep logs and clients that sniff them readable.
const (
	messagePrefix = "msg_"
	toolUsePrefix = "toolu_"
)

// messageID returns the id of a message for a completion's id: the id
// itself when it already starts with "msg_", else "msg_" + id, and a new
// random one for an empty id.
func messageID(id string) string {
	switch {
	case id == "":
		return newID(messagePrefix)
	case strings.HasPrefix(id, messagePrefix):
		return id
	}
	return messagePrefix + id
}

// toolUseID returns a tool call's id unchanged, so that the client's
// tool_result names the call the upstream knows, or a new random one
// when the upstream gave none (Anthropic requires it).
func toolUseID(id string) string {
	if id == "" {
		return newID(toolUsePrefix)
	}
	return id
}

// newID returns prefix followed by 26 random characters (128 bits, from
// crypto/rand.Text), so ids never collide.
func newID(prefix string) string { return prefix + rand.Text() }
