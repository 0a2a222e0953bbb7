package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/sse"
)

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	var req gateway.ChatRequest
	if err := decodeChat(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Stream {
		s.streamChat(w, r, c, &req)
		return
	}
	resp, err := s.gw.Chat(r.Context(), c, &req)
	requestHeaders(w, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeChatResponse(w, resp)
}

// streamChat relays a stream as server-sent events. Errors before the
// first chunk are plain JSON errors with their status; after it the status
// is sent, so an error becomes a last event with an OpenAI error body, and
// the stream ends without [DONE] so clients can tell it was cut.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, c *gateway.Caller, req *gateway.ChatRequest) {
	stream, err := s.gw.ChatStream(r.Context(), c, req)
	requestHeaders(w, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer stream.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no") // tell nginx in front not to buffer
	w.WriteHeader(http.StatusOK)
	out := sse.NewWriter(w)
	next := s.chunkJSON(stream)
	for first := true; ; first = false {
		data, err := next()
		if errors.Is(err, io.EOF) {
			// The handler returns at once: [DONE] goes out with the
			// response's end, in one write.
			out.Hold()
			_ = out.WriteDone()
			_ = out.Close()
			return
		}
		if errors.Is(err, errChunkEncode) {
			_ = out.Flush() // what was held before it
			return
		}
		if err != nil {
			if r.Context().Err() == nil {
				_, body := toBody(err)
				b, _ := json.Marshal(body)
				_ = out.WriteData(b)
			}
			return
		}
		if !first && gateway.StreamBuffered(stream) {
			// The next chunk is at hand: one write and one flush for
			// both. Never for the first, whose arrival is the time to
			// first token.
			out.Hold()
		}
		if err := out.WriteData(data); err != nil {
			return // the client went away; Close records it
		}
	}
}

// errChunkEncode ends a stream whose chunk could not be encoded (and
// was logged).
var errChunkEncode = errors.New("chunk not encoded")

// chunkJSON returns a function that returns the JSON of stream's next
// chunk for an OpenAI client, valid until its next call: an OpenAI
// upstream's chunk as it came (undecoded where the stream is a
// gateway.RawStream), any other encoded, each into the last one's
// buffer.
func (s *Server) chunkJSON(stream gateway.ChatStream) func() ([]byte, error) {
	raw, _ := stream.(gateway.RawStream)
	var buf []byte
	return func() ([]byte, error) {
		var c *gateway.ChatChunk
		var err error
		if raw != nil {
			var r gateway.RawChunk
			if r, err = raw.NextRaw(); err != nil || r.Chunk == nil {
				return r.JSON, err
			}
			c = r.Chunk
		} else if c, err = stream.Next(); err != nil {
			return nil, err
		}
		if buf, err = gateway.AppendRelayedChunk(buf[:0], c); err != nil {
			s.cfg.Logger.Error("encode chunk", "err", err)
			return nil, errChunkEncode
		}
		return buf, nil
	}
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	var req gateway.EmbedRequest
	if err := decode(r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	resp, err := s.gw.Embeddings(r.Context(), c, &req)
	requestHeaders(w, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// requestHeaders sets the request id and, as OpenAI does, the state of
// the tightest request and token limits.
func requestHeaders(w http.ResponseWriter, c *gateway.Caller) {
	// The names are set canonical, straight into the map: Header.Set
	// would canonicalize each (allocating) on every request.
	h := w.Header()
	h["X-Request-Id"] = []string{c.RequestID}
	if c.RateStatus == nil {
		return
	}
	for i, rw := range [...]*gateway.RateWindow{c.RateStatus.Requests, c.RateStatus.Tokens} {
		if rw == nil {
			continue
		}
		names := &rateHeaders[i]
		h[names[0]] = []string{strconv.FormatInt(rw.Limit, 10)}
		h[names[1]] = []string{strconv.FormatInt(rw.Remaining, 10)}
		h[names[2]] = []string{rw.Reset.String()}
	}
}

// rateHeaders name the limit, remaining and reset headers of the
// requests and the tokens windows, as OpenAI sends them (canonical).
var rateHeaders = [2][3]string{
	{"X-Ratelimit-Limit-Requests", "X-Ratelimit-Remaining-Requests", "X-Ratelimit-Reset-Requests"},
	{"X-Ratelimit-Limit-Tokens", "X-Ratelimit-Remaining-Tokens", "X-Ratelimit-Reset-Tokens"},
}

type modelList struct {
	Object string              `json:"object"`
	Data   []gateway.ModelInfo `json:"data"`
}

func (s *Server) listModels(w http.ResponseWriter, _ *http.Request, c *gateway.Caller) {
	models := s.gw.Models(c)
	if models == nil {
		models = []gateway.ModelInfo{}
	}
	writeJSON(w, http.StatusOK, modelList{Object: "list", Data: models})
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	id := mux.Vars(r)["id"]
	for _, m := range s.gw.Models(c) {
		if m.ID == id {
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	s.writeError(w, r, &gateway.Error{Code: gateway.CodeNotFound, Type: "model_not_found", Message: "The model `" + id + "` does not exist or you do not have access to it."})
}
