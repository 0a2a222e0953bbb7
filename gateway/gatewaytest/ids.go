package gatewaytest

import (
	"fmt"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.IDs = (*IDs)(nil)

// IDs is a deterministic gateway.IDs: each prefix has its own sequence,
// so the first NewID("req_") is "req_000001", the second "req_000002",
// whatever other prefixes were used in between.
//
// The zero value starts every sequence at 1. IDs is safe for concurrent
// use; concurrent callers get distinct identifiers in an order that
// depends on scheduling.
type IDs struct {
	mu  sync.Mutex
	seq map[string]int
}

// NewID returns prefix followed by the prefix's next sequence number,
// zero-padded to six digits (longer once it passes 999999).
func (ids *IDs) NewID(prefix string) string {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	if ids.seq == nil {
		ids.seq = make(map[string]int)
	}
	ids.seq[prefix]++
	return fmt.Sprintf("%s%06d", prefix, ids.seq[prefix])
}
