package openaitest

import (
	"fmt"
	"net/http"
	"strings"
)

// model is an entry of GET /v1/models.
type model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

type modelList struct {
	Object string  `json:"object"`
	Data   []model `json:"data"`
}

// knownModels are the models the server lists. Chat and embedding requests
// accept any model name; only names starting with "missing-" are rejected.
var knownModels = []model{
	{ID: "gpt-4o", Object: "model", Created: 1715367049, OwnedBy: "system"},
	{ID: "gpt-4o-mini", Object: "model", Created: 1721172741, OwnedBy: "system"},
	{ID: "gpt-4.1", Object: "model", Created: 1744316542, OwnedBy: "system"},
	{ID: "text-embedding-3-small", Object: "model", Created: 1705948997, OwnedBy: "system"},
}

// listModels serves GET /v1/models.
func (c *call) listModels() {
	c.writeJSON(http.StatusOK, modelList{Object: "list", Data: knownModels})
}

// retrieveModel serves GET /v1/models/{id}.
func (c *call) retrieveModel() {
	id := strings.TrimPrefix(c.r.URL.Path, "/v1/models/")
	for _, m := range knownModels {
		if m.ID == id {
			c.writeJSON(http.StatusOK, m)
			return
		}
	}
	c.writeError(http.StatusNotFound, invalidRequest(fmt.Sprintf("The model '%s' does not exist", id), "model", "model_not_found"))
}
