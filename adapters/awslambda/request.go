package awslambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// event is what both kinds of HTTP event carry, in the fields the request
// is made of.
type event struct {
	method   string
	rawPath  string
	rawQuery string
	protocol string
	domain   string
	sourceIP string
	headers  map[string]string
	cookies  []string
	body     string
	base64   bool
}

func fromHTTPAPI(e *events.APIGatewayV2HTTPRequest) event {
	return event{
		method: e.RequestContext.HTTP.Method, rawPath: e.RawPath, rawQuery: e.RawQueryString,
		protocol: e.RequestContext.HTTP.Protocol, domain: e.RequestContext.DomainName,
		sourceIP: e.RequestContext.HTTP.SourceIP, headers: e.Headers, cookies: e.Cookies,
		body: e.Body, base64: e.IsBase64Encoded,
	}
}

func fromFunctionURL(e *events.LambdaFunctionURLRequest) event {
	return event{
		method: e.RequestContext.HTTP.Method, rawPath: e.RawPath, rawQuery: e.RawQueryString,
		protocol: e.RequestContext.HTTP.Protocol, domain: e.RequestContext.DomainName,
		sourceIP: e.RequestContext.HTTP.SourceIP, headers: e.Headers, cookies: e.Cookies,
		body: e.Body, base64: e.IsBase64Encoded,
	}
}

// isFunctionURL reports whether an event with this requestContext.domainName
// came through a Function URL (<url-id>.lambda-url.<region>.on.aws) rather
// than an API Gateway.
func isFunctionURL(domain string) bool {
	return strings.Contains(domain, ".lambda-url.")
}

// request builds the *http.Request a server would have read, under ctx.
func (e event) request(ctx context.Context) (*http.Request, error) {
	body := []byte(e.body)
	if e.base64 {
		var err error
		if body, err = base64.StdEncoding.DecodeString(e.body); err != nil {
			return nil, fmt.Errorf("awslambda: the event's body is not base64: %w", err)
		}
	}
	target := e.rawPath
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	if e.rawQuery != "" {
		target += "?" + e.rawQuery
	}
	r, err := http.NewRequestWithContext(ctx, e.method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("awslambda: %w", err)
	}
	r.RequestURI = target
	if major, minor, ok := http.ParseHTTPVersion(e.protocol); ok {
		r.Proto, r.ProtoMajor, r.ProtoMinor = e.protocol, major, minor
	}
	for k, v := range e.headers {
		r.Header.Add(k, v)
	}
	if len(e.cookies) > 0 {
		// Payload 2.0 moves the Cookie header into cookies, one per entry.
		r.Header.Set("Cookie", strings.Join(e.cookies, "; "))
	}
	r.Host = r.Header.Get("Host")
	r.Header.Del("Host") // a server keeps it in r.Host only
	if r.Host == "" {
		r.Host = e.domain
	}
	if e.sourceIP != "" {
		// A port makes it the shape net/http servers give, which
		// net.SplitHostPort takes; the client's port is not in the event.
		r.RemoteAddr = net.JoinHostPort(e.sourceIP, "0")
	}
	return r, nil
}
