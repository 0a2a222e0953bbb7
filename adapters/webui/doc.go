// Package webui is Tollgate's admin dashboard: a driving adapter that
// serves server-rendered pages (html/template, embedded in the binary with
// go:embed, plus the vendored uPlot for charts) under a prefix, "/ui" by
// default. It talks to the core in process through *gateway.Admin and
// *gateway.Gateway and never through the HTTP API, so it imports no other
// adapter.
//
// The pages: overview (charts of requests, tokens, cost and error rate;
// open breakers and alerts), providers and their credentials (presets,
// validation and bulk import running in the background with a progress
// page), routing (bindings, retry policies), accounts (keys, limits,
// budget, balance, ledger, credits), logs (one request with its
// attempts), alerts (status, thresholds) and settings. Each page is one
// file here and one template under templates/; static/ holds the CSS, a
// little JavaScript (confirmation of destructive actions, the charts) and
// the vendored uPlot with its license and version.
//
// # Sign-in and sessions
//
// The admin signs in with the admin key: its digest (gateway.Admin.KeyDigest)
// is compared with Config.AdminKeyDigest in constant time. An account signs
// in with its master key, authenticated by gateway.Gateway.AuthenticateMaster,
// and sees only its own account: its overview, keys, balance, ledger and
// request logs; every other page answers 403 and another account's pages
// 404.
//
// A session is a stateless cookie: a JSON payload (who, the master key's ID
// for an account, a random nonce, the expiry) and its HMAC-SHA256 under a
// key derived from Config.SessionSecret and the admin key's digest, so that
// changing either ends every session. The cookie is HttpOnly,
// SameSite=Strict, scoped to the prefix, and Secure when the request came
// over TLS (or through a proxy saying X-Forwarded-Proto: https). An account
// session is checked against the Store on every page: a revoked master key
// or a disabled account ends it. Logout expires the cookie, and the
// instance that served it refuses a copy of that cookie until it expires.
//
// # CSRF
//
// Every form carries a hidden "csrf" field: the HMAC of the session's nonce
// under the session key. Every POST is refused with 403 unless that field
// matches in constant time; SameSite=Strict is a second line, and a
// cross-origin Origin header a third. The sign-in form, before any session,
// carries the HMAC of a nonce kept in a short-lived pre-session cookie,
// and each client address gets a burst of 10 sign-in attempts, then one
// every 6 seconds.
package webui
