package gemini

import "github.com/tollgate-ai/tollgate/adapters/providers/internal/httpx"

// Config tunes an Upstream's HTTP transport: timeouts and pool sizes. The
// zero Config is ready to use; see httpx.Config for each field's default.
type Config = httpx.Config
