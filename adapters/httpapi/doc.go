// Package httpapi is Tollgate's HTTP surface on gorilla/mux: the
// OpenAI-compatible API under /v1, the admin API under /admin, and the
// health checks. It holds the one table that maps gateway error codes to
// HTTP statuses (StatusCode), and writes every error as an OpenAI-shaped
// body:
//
//	{"error":{"message":"...","type":"invalid_request_error","param":"model","code":"model_not_found"}}
//
// The Server is an http.Handler; hosts mount it as they like (the stock
// server, a Lambda handler, or a middleware inside another service).
package httpapi
