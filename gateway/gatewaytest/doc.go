// Package gatewaytest holds the conformance suites every adapter of a
// gateway port must pass, and the fakes the core's tests inject: a Clock
// that only moves when told, a Notifier that records alerts and IDs that
// count.
//
// The suites are to gateway.Store and gateway.Cache what
// golang.org/x/net/nettest.TestConn is to net.Conn: an adapter author,
// in this repository or outside it, runs them from an ordinary test by
// passing a factory that returns a fresh, empty value for each subtest
// and registers its own cleanup:
//
//	package mystore_test
//
//	func TestStore(t *testing.T) {
//		gatewaytest.TestStore(t, func(t *testing.T) gateway.Store {
//			s, err := mystore.Open(t.Context(), testDSN(t))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
//	func TestCache(t *testing.T) {
//		gatewaytest.TestCache(t, func(t *testing.T) gateway.Cache {
//			c := mycache.New(testAddr(t))
//			t.Cleanup(func() { c.Close() })
//			return c
//		})
//	}
//
// Run them under the race detector (go test -race): the subtests run in
// parallel, and several start many goroutines against one value to check
// that Update closures, counters and rate limits are atomic.
//
// The Cache suite may run against shared infrastructure (one Redis for
// every subtest), so it names every key and channel after the subtest;
// the factory need not flush anything. The Store suite expects each
// factory call to return an empty Store.
//
// The package is imported only by tests, but it is an ordinary package so
// that adapters in other modules can use it. It depends on the testing
// package and github.com/matryer/is.
package gatewaytest
