package memory_test

import (
	"testing"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

func TestStore(t *testing.T) {
	gatewaytest.TestStore(t, func(*testing.T) gateway.Store { return memory.NewStore() })
}
