package ariclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// Limits on what is read from a REST response.
const (
	maxResponseBody = 16 << 20 // GET /applications lists every channel id
	maxErrorMessage = 512
)

// request is one ARI REST call. Adding an action is building one of these.
type request struct {
	op     string     // names the action in errors, e.g. "play"
	method string     // http.MethodPost, ...
	path   string     // escaped, relative to the base URL, e.g. "/channels/1.2/answer"
	query  url.Values // optional
	body   any        // optional, sent as JSON
	out    any        // optional, decoded from a 2xx JSON body
}

// seg escapes one path segment (an id or name).
func seg(s string) string { return url.PathEscape(s) }

// do issues r within RequestTimeout (or ctx's earlier deadline), holding one
// of MaxInFlight slots for the whole exchange. A non-2xx answer is returned as
// *engine.ActionError carrying Asterisk's message.
func (c *Client) do(ctx context.Context, r request) error {
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.opts.RequestTimeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.RequestTimeout)
		defer cancel()
	}
	c.stats.requests.Add(1)
	start := time.Now()
	err := c.exchange(ctx, r)
	if err != nil {
		c.stats.restErrs.Add(1)
	}
	if c.opts.OnRequest != nil {
		c.opts.OnRequest(r.op, time.Since(start), err)
	}
	return err
}

func (c *Client) exchange(ctx context.Context, r request) error {
	if err := c.acquire(ctx); err != nil {
		return fmt.Errorf("ari %s: waiting for a free request slot: %w", r.op, err)
	}
	defer c.release()

	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("ari %s: encoding body: %w", r.op, err)
		}
		body = bytes.NewReader(b)
	}
	target := c.base + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return fmt.Errorf("ari %s: %w", r.op, err)
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("ari %s %s: %w", r.op, r.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("ari %s %s: reading response: %w", r.op, r.path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &engine.ActionError{Op: r.op, Status: resp.StatusCode, Message: errorMessage(resp.StatusCode, data)}
	}
	if r.out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, r.out); err != nil {
			return fmt.Errorf("ari %s %s: decoding response: %w", r.op, r.path, err)
		}
	}
	return nil
}

// errorMessage extracts Asterisk's text from an error body: {"message":...},
// or {"error":...} as some 500s carry; otherwise the raw text or the status.
func errorMessage(status int, body []byte) string {
	var e struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil {
		if e.Message != "" {
			return e.Message
		}
		if e.Error != "" {
			return e.Error
		}
	}
	msg := strings.TrimSpace(string(body))
	if msg == "" || msg[0] == '{' {
		return http.StatusText(status)
	}
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage] + "…"
	}
	return msg
}

// acquire takes a request slot, giving up when ctx ends.
func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) release() { <-c.sem }
