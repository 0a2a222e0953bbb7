package anthropicwire

import (
	"encoding/json"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Extra holds the JSON fields of an object that this package does not
// model, so that they survive a decode and encode unchanged; it is the
// canonical types' Extra, kept the same way.
type Extra = gateway.Extra

// decodeExtra and encodeExtra are the canonical types' (gateway).
var (
	decodeExtra = gateway.DecodeExtra
	encodeExtra = gateway.EncodeExtra
)

// peekType returns the "type" member of a JSON object.
func peekType(data []byte) (string, error) {
	var v struct {
		Type string `json:"type"`
	}
	err := json.Unmarshal(data, &v)
	return v.Type, err
}
