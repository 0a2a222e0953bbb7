// Package bench is Tollgate's benchmark harness: it measures what the
// gateway adds to a request against a direct call and against a bare
// httputil.ReverseProxy, the lower bound of any Go gateway, in one run,
// and reports the results as ratios.
//
// Every target runs as its own OS process, so that its CPU time and RSS
// are its own: the harness re-executes its binary (os.Executable) with a
// role (RoleUpstream, RoleBare, RoleMemory, RoleSQLite, RolePostgres),
// and each child prints its address as one JSON line on stdout (see
// Handshake) and serves until its stdin closes. The upstream is a
// zero-latency OpenAI wire mock (Upstream); the Tollgate targets run the
// full request path: key authentication, rate limits, a credit hold and
// its settlement, routing with circuit breakers, the request log written
// to the Store by the Recorder, and Prometheus metrics.
//
// A closed-loop load generator drives each target in turn, the
// targets interleaved round after round, verifies every response
// (status, usage, chunk count, the final [DONE]) and counts failures and
// truncated streams. Run gathers it all into a Report, which prints as a
// table and saves as JSON, with the figures the performance targets are
// stated in (Comparison): latency and time to first byte added against
// the bare proxy's, relay CPU per chunk (the CPU of a stream of five
// times the chunks, ModeStreamLong, less a stream's, over the chunks
// more: so a stream's own cost per request is not counted as its
// chunks'), latency beyond the memory target's. Before and after each load it reads a Tollgate target's
// /metrics, and reports its Cache's mean Admit and Finish times in each
// cell (CacheCall): with Redis, Admit is the round trip a client waits
// for, which is most of what PostgreSQL + Redis adds beyond memory.
// Around each load of the PostgreSQL + Redis target it also reads that
// Redis (INFO, and /proc when Redis runs on this machine), and reports
// per request the scripts it ran, their time and its process's CPU
// (RedisLoad): every gateway instance shares that Redis, so its CPU per
// request is what a deployment can serve from one Redis core.
//
// Absolute times depend on the machine and on what else runs on it; the
// ratios to the bare proxy are what to compare between runs.
//
// Before it serves, each Tollgate target loads Config.Keys client keys
// (100,000 by default) straight into its Store, and the harness reads
// every target's RSS as soon as it answers, before any load: the idle
// RSS line under the table shows what a large key table costs. The
// memory Store keeps its own copy of the keys besides the gateway's
// snapshot, and SQLite runs in the process; the PostgreSQL figure is the
// gateway's alone. (Loading them into PostgreSQL, one insert at a time,
// takes about half a minute.)
//
// To see where a target's CPU goes, set Config.CPUProfileDir (the
// command's -cpuprofile flag): the bare proxy and each Tollgate child
// profile themselves with runtime/pprof from start to shutdown and write
// <dir>/<target>.pprof before they exit, to compare with
//
//	go tool pprof -top -cum <dir>/tollgate-memory.pprof
//	go tool pprof -top <dir>/bare.pprof
//
// One profile spans the whole run, warm-up included, so narrow the run
// to the mode and concurrency of interest.
//
// The command is internal/bench/cmd/tollgate-bench; a program that embeds
// the harness (a test binary) must call Child first thing when
// IsChild reports true, before it parses its own flags.
package bench
