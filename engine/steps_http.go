package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// HTTPDoer sends HTTP requests for http steps; *http.Client is one. Tests and
// `flowrunner test` replace it with mocks.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// MaxHTTPResponse bounds the body of a response an http step reads.
const MaxHTTPResponse = 1 << 20

// Defaults of the http step.
const (
	defaultHTTPTimeout = 5 * time.Second
	defaultHTTPBackoff = 500 * time.Millisecond
)

// envSecrets is the name under which url and headers templates see secrets.
const envSecrets = "secrets"

// httpSpec is a compiled http step.
type httpSpec struct {
	method  string
	url     template // may use secrets
	headers []httpHeader
	body    any // nil, or a tree of map[string]any/[]any/*template/literals
	timeout time.Duration
	retries int
	backoff time.Duration
	into    []httpInto
}

type httpHeader struct {
	name  string
	value template // may use secrets
}

type httpInto struct {
	name    string
	program *vm.Program
}

// httpRun is a call's request in progress.
type httpRun struct {
	attempt int // from 1
	started time.Time
}

// httpResult is what one attempt brought back.
type httpResult struct {
	gen      uint64
	status   int
	header   http.Header
	body     []byte
	err      error
	timedOut bool
}

func (c *Call) enterHTTP(s *state) (int, bool) {
	c.http = &httpRun{attempt: 1, started: c.e.now()}
	if err := c.httpAttempt(s); err != nil {
		c.http = nil
		return c.failNext(s, err)
	}
	return 0, true
}

// httpAttempt renders and sends one attempt; the response comes back to the
// call as an item.
func (c *Call) httpAttempt(s *state) error {
	spec := s.http
	req, err := c.buildRequest(spec)
	if err != nil {
		return err
	}
	c.waiting = waitHTTP
	gen := c.gen
	e := c.e
	e.clock.Hold()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), spec.timeout)
		res := doHTTP(ctx, e.cfg.HTTP, req.WithContext(ctx))
		cancel()
		res.gen = gen
		e.post(item{call: c, kind: itemHTTP, http: res, at: e.now()}, false)
		e.clock.Release()
	}()
	return nil
}

func (c *Call) buildRequest(spec *httpSpec) (*http.Request, error) {
	// Secrets are visible to url and headers only, and only while rendering.
	c.env[envSecrets] = c.e.cfg.Secrets
	defer delete(c.env, envSecrets)
	url, err := c.render(&spec.url)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if spec.body != nil {
		tree, err := c.renderTree(spec.body)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(tree)
		if err != nil {
			return nil, fmt.Errorf("json body: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(spec.method, url, body)
	if err != nil {
		return nil, fmt.Errorf("http request: %w", err)
	}
	if spec.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "flowrunner")
	for i := range spec.headers {
		h := &spec.headers[i]
		v, err := c.render(&h.value)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", h.name, err)
		}
		req.Header.Set(h.name, v)
	}
	return req, nil
}

// renderTree renders the template leaves of a JSON body.
func (c *Call) renderTree(v any) (any, error) {
	switch x := v.(type) {
	case *template:
		return c.render(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := c.renderTree(e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := c.renderTree(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func doHTTP(ctx context.Context, client HTTPDoer, req *http.Request) *httpResult {
	resp, err := client.Do(req)
	if err != nil {
		return &httpResult{err: err, timedOut: errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxHTTPResponse+1))
	res := &httpResult{status: resp.StatusCode, header: resp.Header, body: body}
	switch {
	case err != nil:
		res.err = fmt.Errorf("reading the response: %w", err)
		res.timedOut = ctx.Err() != nil
	case len(body) > MaxHTTPResponse:
		res.err = fmt.Errorf("response larger than %d bytes", MaxHTTPResponse)
	}
	return res
}

// handleHTTP takes an attempt's result: retry, or end the step with ok,
// error or timeout.
func (c *Call) handleHTTP(res *httpResult) {
	if c.http == nil || res.gen != c.gen || c.waiting != waitHTTP {
		return
	}
	s := c.flow.states[c.pc]
	spec := s.http
	retryable := res.err != nil || res.status >= 500
	attempt := c.http.attempt
	c.log.Info("http request", "step", s.label, "method", spec.method, "url", spec.url.src,
		"attempt", attempt, "status", res.status, "err", res.err)
	if retryable && attempt <= spec.retries {
		backoff := spec.backoff << (attempt - 1)
		c.trace(TraceOutcome, s.label, fmt.Sprintf("attempt %d failed (%s); retrying in %v", attempt, httpProblem(res), backoff))
		c.http.attempt++
		c.setTimer(timerStep, backoff.Nanoseconds())
		return
	}
	c.http = nil
	switch {
	case res.err != nil && res.timedOut:
		c.trace(TraceError, s.label, httpProblem(res))
		c.complete(outcomeTimeout)
	case retryable || res.status < 200 || res.status > 299:
		c.trace(TraceError, s.label, httpProblem(res))
		c.complete(outcomeError)
	default:
		if err := c.assignResponse(spec, res); err != nil {
			c.trace(TraceError, s.label, err.Error())
			c.complete(outcomeError)
			return
		}
		c.complete(outcomeOK)
	}
}

func httpProblem(res *httpResult) string {
	if res.err != nil {
		if res.timedOut {
			return "timed out"
		}
		return res.err.Error()
	}
	return fmt.Sprintf("status %d", res.status)
}

func lowerHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k := range h {
		out[strings.ToLower(k)] = h.Get(k)
	}
	return out
}

// httpRetry sends the next attempt after the backoff.
func (c *Call) httpRetry() {
	s := c.flow.states[c.pc]
	if err := c.httpAttempt(s); err != nil {
		c.http = nil
		c.fail(s, err)
	}
}

// assignResponse evaluates the step's into expressions over status, body and
// headers and assigns the variables.
func (c *Call) assignResponse(spec *httpSpec, res *httpResult) error {
	if len(spec.into) == 0 {
		return nil
	}
	env := map[string]any{envStatus: res.status, envBody: map[string]any{}, envBodyList: []any{},
		envBodyText: string(res.body), envHeaders: lowerHeaders(res.header)}
	if len(bytes.TrimSpace(res.body)) > 0 {
		var parsed any
		if err := json.Unmarshal(res.body, &parsed); err != nil {
			if strings.Contains(res.header.Get("Content-Type"), "json") {
				return fmt.Errorf("response is not valid JSON: %w", err)
			}
		}
		switch v := parsed.(type) {
		case map[string]any:
			env[envBody] = v
		case []any:
			env[envBodyList] = v
		}
	}
	for k, v := range env {
		c.env[k] = v
	}
	defer func() {
		for k := range env {
			delete(c.env, k)
		}
	}()
	values := make([]any, len(spec.into))
	for i, in := range spec.into {
		v, err := expr.Run(in.program, c.env)
		if err != nil {
			return fmt.Errorf("into %s: %w", in.name, err)
		}
		values[i] = v
	}
	for i, in := range spec.into {
		c.env[in.name] = values[i]
	}
	return nil
}
