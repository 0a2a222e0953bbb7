package anthropictest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// Models returns the models GET /v1/models lists, in its order. Messages
// accept any model; only names starting with "missing-" are not found.
func Models() []anthropicwire.ModelInfo { return append([]anthropicwire.ModelInfo(nil), models...) }

var models = []anthropicwire.ModelInfo{
	model("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05"),
	model("claude-opus-4-20250514", "Claude Opus 4", "2025-05-22"),
	model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29"),
	model("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22"),
	model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15"),
	model("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22"),
}

func model(id, name, day string) anthropicwire.ModelInfo {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	return anthropicwire.ModelInfo{Type: "model", ID: id, DisplayName: name, CreatedAt: t}
}

// listModels serves GET /v1/models with the API's pagination: limit
// (default 20, 1 to 1000), after_id or before_id.
func (c *call) listModels() {
	q := c.r.URL.Query()
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			c.writeError(http.StatusBadRequest, "limit: Input should be greater than or equal to 1 and less than or equal to 1000")
			return
		}
		limit = n
	}
	start, end := 0, len(models)
	if after := q.Get("after_id"); after != "" {
		i := indexOf(after)
		if i < 0 {
			c.writeError(http.StatusBadRequest, "after_id: no model with id "+after)
			return
		}
		start = i + 1
	}
	if before := q.Get("before_id"); before != "" {
		i := indexOf(before)
		if i < 0 {
			c.writeError(http.StatusBadRequest, "before_id: no model with id "+before)
			return
		}
		end = i
		start = max(start, end-limit)
	}
	page := models[start:min(start+limit, end)]
	out := anthropicwire.ModelList{Data: page, HasMore: start+len(page) < end}
	if len(page) > 0 {
		out.FirstID = anthropicwire.NullString(page[0].ID)
		out.LastID = anthropicwire.NullString(page[len(page)-1].ID)
	}
	if out.Data == nil {
		out.Data = []anthropicwire.ModelInfo{}
	}
	c.writeJSON(http.StatusOK, out)
}

// getModel serves GET /v1/models/{id}.
func (c *call) getModel() {
	id := strings.TrimPrefix(c.r.URL.Path, "/v1/models/")
	if i := indexOf(id); i >= 0 {
		c.writeJSON(http.StatusOK, models[i])
		return
	}
	c.writeError(http.StatusNotFound, "model: "+id)
}

func indexOf(id string) int {
	for i, m := range models {
		if m.ID == id {
			return i
		}
	}
	return -1
}
