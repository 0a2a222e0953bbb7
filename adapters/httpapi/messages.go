package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/tollgate-ai/tollgate/adapters/httpapi/anthropicapi"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

// messages serves POST /v1/messages, Anthropic's Messages API, so clients
// written for it (Claude Code, Anthropic's SDKs) reach every provider.
// When the model's first provider is Anthropic the request is passed
// through as it came (only the model renamed, when a binding sends it
// under another name); otherwise it is translated to a chat request and
// the answer translated back, streams included. Keys are accepted where
// Anthropic's clients send them: x-api-key or Authorization: Bearer.
func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	c, err := s.caller(r, proxyKey(r))
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	body, err := readAll(r)
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	var req anthropicwire.Request
	if err := json.Unmarshal(body, &req); err != nil {
		s.writeProxyError(w, r, "anthropic", gateway.Errorf(gateway.CodeInvalid, "the body is not a valid Messages request: %v", err))
		return
	}
	if req.Model == "" {
		s.writeProxyError(w, r, "anthropic", gateway.Invalid("model", "model: Field required"))
		return
	}
	route, err := s.gw.RouteOf(c, req.Model)
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	if route.Type == "anthropic" {
		if route.Model != req.Model {
			req.Model = route.Model
			if body, err = json.Marshal(req); err != nil {
				s.writeProxyError(w, r, "anthropic", gateway.Internal(err))
				return
			}
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		r.Header.Del("Content-Length")
		s.serveProxy(w, r, c, route.Provider, route.Type, &url.URL{Path: "/v1/messages"})
		return
	}
	chat, err := anthropicapi.ToChat(&req)
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	if req.Stream {
		s.streamMessages(w, r, c, chat)
		return
	}
	resp, err := s.gw.Chat(r.Context(), c, chat)
	requestHeaders(w, c)
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	writeJSON(w, http.StatusOK, anthropicapi.FromChat(resp))
}

// streamMessages relays a chat stream as Anthropic's stream events.
// Errors before the first event are plain errors with their status; after
// it, an error event ends the stream, as Anthropic's API does.
func (s *Server) streamMessages(w http.ResponseWriter, r *http.Request, c *gateway.Caller, chat *gateway.ChatRequest) {
	stream, err := s.gw.ChatStream(r.Context(), c, chat)
	requestHeaders(w, c)
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	defer stream.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := sse.NewWriter(w)
	events := anthropicapi.NewStream(chat.Model)
	send := func(evs ...anthropicwire.Event) error {
		for i := range evs {
			data, err := json.Marshal(&evs[i])
			if err != nil {
				return err
			}
			if err := out.WriteEvent(evs[i].Type, data); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		chunk, err := stream.Next()
		if errors.Is(err, io.EOF) {
			_ = send(events.End()...)
			return
		}
		if err != nil {
			if r.Context().Err() == nil {
				_ = send(events.Error(err))
			}
			return
		}
		if err := send(events.Chunk(chunk)...); err != nil {
			return // the client went away; Close records it
		}
	}
}

// countTokens serves POST /v1/messages/count_tokens: passed through to an
// Anthropic provider; for the others an estimate (a quarter of the
// prompt's characters), since they have no such endpoint.
func (s *Server) countTokens(w http.ResponseWriter, r *http.Request) {
	c, err := s.caller(r, proxyKey(r))
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	body, err := readAll(r)
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	var req anthropicwire.Request
	if err := json.Unmarshal(body, &req); err != nil || req.Model == "" {
		s.writeProxyError(w, r, "anthropic", gateway.Invalid("model", "the body is not a valid count_tokens request"))
		return
	}
	route, err := s.gw.RouteOf(c, req.Model)
	if err != nil {
		s.writeProxyError(w, r, "anthropic", err)
		return
	}
	if route.Type == "anthropic" {
		req.Model = route.Model
		body, _ = json.Marshal(req)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		r.Header.Del("Content-Length")
		s.serveProxy(w, r, c, route.Provider, route.Type, &url.URL{Path: "/v1/messages/count_tokens"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"input_tokens": len(body)/4 + 1})
}
