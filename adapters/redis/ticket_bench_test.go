package redis_test

import (
	"testing"

	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// BenchmarkTicket measures Admit and Finish, the two round trips of a
// request; most of their time is the scripts' on the server.
func BenchmarkTicket(b *testing.B) { gatewaytest.BenchmarkTicket(b, open(b)) }
