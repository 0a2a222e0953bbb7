// Package awslambda is a driving adapter: it serves any http.Handler to
// AWS Lambda HTTP events, so the whole Tollgate HTTP surface
// (adapters/httpapi) runs behind API Gateway HTTP APIs and Lambda Function
// URLs unchanged.
//
// A Handler turns an API Gateway HTTP API event (payload format 2.0,
// events.APIGatewayV2HTTPRequest) or a Function URL event
// (events.LambdaFunctionURLRequest) into an *http.Request: method, raw path
// and raw query string, headers (API Gateway joins repeated headers with
// commas and they stay joined), cookies into one Cookie header, a base64
// body decoded, the source IP as RemoteAddr ("ip:0") so per-client limits
// and address hashes work, and the invocation's context (its deadline,
// lambdacontext) as the request's context.
//
// It answers in one of two ways:
//
//   - buffered: the handler's whole response becomes an
//     events.APIGatewayV2HTTPResponse (or events.LambdaFunctionURLResponse,
//     the same JSON): headers with several values joined by ", ", every
//     Set-Cookie in Cookies, and a body that is not UTF-8 text sent base64.
//     Server-sent events arrive at the client in one piece.
//   - streamed: for a Function URL whose InvokeMode is RESPONSE_STREAM, an
//     *events.LambdaFunctionURLStreamingResponse whose Body is fed by the
//     handler as it writes. The ResponseWriter buffers up to 4 KiB and
//     implements http.Flusher (and FlushError, for
//     http.ResponseController): every Flush sends what was written, so SSE
//     reaches the client chunk by chunk. Status and headers go out at the
//     first Write or Flush (headers as they were at WriteHeader), as on a
//     net/http server.
//
// Lambda cannot tell a function which InvokeMode its URL has, so the
// choice is Config.Stream: when set, Function URL events are streamed and
// HTTP API events (HTTP APIs cannot stream) are still buffered. One
// function can therefore sit behind an HTTP API and a streaming Function
// URL at once. A Function URL event is recognised by its domain name
// (<url-id>.lambda-url.<region>.on.aws).
//
// Lambda freezes the process as soon as an invocation ends, so work left in
// background queues would wait for the next invocation, or be lost with
// the container. Config.After runs once per invocation after the handler
// has returned and before the invocation ends: before a buffered response
// is handed back, and before a streamed body reaches its end. Hosts flush
// their queues there.
//
// A handler that panics fails the invocation instead of ending the process:
// before the first Write the invocation reports a function error (POST
// .../error to the Runtime API); once a stream has begun the body ends with
// that error, which the Lambda runtime client reports in the
// Lambda-Runtime-Function-Error-Type and -Body trailers.
package awslambda
