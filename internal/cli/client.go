package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls a running server's admin API with the admin key (or an
// admin session token). Its methods return *APIError when the server
// answers with an error, and an error ExitCode maps to 3 when it cannot be
// reached. The zero Client is not usable; build one with NewClient. It is
// safe for concurrent use.
type Client struct {
	base string
	key  string
	http *http.Client
}

// NewClient returns a Client of the server at base (such as
// "http://127.0.0.1:8080") authorized by adminKey. A nil hc means a
// client without an overall timeout, since imports and validations of
// many credentials stream for as long as they take.
func NewClient(base, adminKey string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 5 * time.Minute,
		}}
	}
	return &Client{base: strings.TrimRight(base, "/"), key: adminKey, http: hc}
}

// do sends a JSON request (body nil for none) and decodes a 2xx answer
// into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.send(ctx, method, path, "application/json", body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
	}
	return nil
}

// send sends a request and returns a 2xx response, whose body the caller
// closes; any other status becomes an *APIError.
func (c *Client) send(ctx context.Context, method, path, accept string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, usagef("bad server URL %q: %v", c.base, err)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "tollgate-cli")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(c.base, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp, nil
}

// errorBody is the API's error shape.
type errorBody struct {
	Error *errorDetail `json:"error"`
}

type errorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (d *errorDetail) apiError(status int) *APIError {
	e := &APIError{Status: status, Message: d.Message, Type: d.Type}
	if d.Param != nil {
		e.Param = *d.Param
	}
	if d.Code != nil {
		e.Code = *d.Code
	}
	return e
}

func readAPIError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body errorBody
	if json.Unmarshal(b, &body) == nil && body.Error != nil {
		return body.Error.apiError(resp.StatusCode)
	}
	msg := strings.TrimSpace(string(b))
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &APIError{Status: resp.StatusCode, Message: msg}
}

// stream sends a request asking for NDJSON progress and hands every line
// to line, in order, until the body ends.
func (c *Client) stream(ctx context.Context, method, path string, body any, line func([]byte) error) error {
	resp, err := c.send(ctx, method, path, "application/x-ndjson", body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20) // the last line holds every result
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := line(sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return transportError(c.base, err)
	}
	return nil
}

// progressLine is a {"done","total"} line of a stream.
type progressLine struct {
	Done  *int `json:"done"`
	Total *int `json:"total"`
}

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }

// escPath escapes a path that may hold slashes (a model name such as
// "org/model"), segment by segment.
func escPath(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
