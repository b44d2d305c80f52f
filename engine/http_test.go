package engine_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// mockHTTP answers http steps from a function and records the requests.
type mockHTTP struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
	answer   func(n int, r *http.Request) (*http.Response, error)
}

func (m *mockHTTP) Do(r *http.Request) (*http.Response, error) {
	m.mu.Lock()
	n := len(m.requests)
	m.requests = append(m.requests, r)
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	m.bodies = append(m.bodies, string(body))
	m.mu.Unlock()
	return m.answer(n, r)
}

func jsonResponse(status int, body string) (*http.Response, error) {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body))}, nil
}

const httpFlow = `
name: lookup
vars: {account: "123456"}
steps:
  - id: lookup
    http:
      method: POST
      url: "https://crm.example/accounts/${account}"
      headers: {Authorization: "Bearer ${secrets.CRM_TOKEN}"}
      json: {caller: "${caller.number}", tries: 3, tags: [vip, "${account}"]}
      timeout: 2s
      retries: 2
      backoff: 250ms
      into:
        found: body.found == true
        balance: int(body.balance ?? 0)
    on:
      ok: good
      error: bad
      timeout: slow
  - id: good
    log: "found=${found} balance=${balance}"
    next: end
  - id: bad
    log: "error"
    next: end
  - id: slow
    log: "timeout"
  - id: end
    hangup: {}
`

func TestHTTPStep(t *testing.T) {
	cases := []struct {
		name     string
		answer   func(n int, r *http.Request) (*http.Response, error)
		wantLog  string
		requests int
		wantAt   time.Duration // virtual time the call ended
	}{
		{"ok", func(int, *http.Request) (*http.Response, error) {
			return jsonResponse(200, `{"found":true,"balance":42}`)
		}, "found=true balance=42", 1, 0},
		{"5xx then ok after backoff", func(n int, _ *http.Request) (*http.Response, error) {
			if n == 0 {
				return jsonResponse(503, `{}`)
			}
			return jsonResponse(200, `{"found":false}`)
		}, "found=false balance=0", 2, 250 * time.Millisecond},
		{"4xx is not retried", func(int, *http.Request) (*http.Response, error) {
			return jsonResponse(404, `{"error":"no such account"}`)
		}, "error", 1, 0},
		{"timeouts exhaust the retries", func(int, *http.Request) (*http.Response, error) {
			return nil, context.DeadlineExceeded
		}, "timeout", 3, 750 * time.Millisecond},
		{"bad JSON", func(int, *http.Request) (*http.Response, error) {
			return jsonResponse(200, `{"found":`)
		}, "error", 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mock := &mockHTTP{answer: tc.answer}
			h := newHarness(t, httpFlow, engine.Config{HTTP: mock, Secrets: map[string]string{"CRM_TOKEN": "s3cret"}})
			h.start("1.1", "lookup")
			h.ari.Expect("hangup 1.1")
			h.stasisEnd("1.1")
			s := h.end()
			if got := strings.Join(h.logs(), "|"); got != tc.wantLog {
				t.Fatalf("logs = %q, want %q", got, tc.wantLog)
			}
			if got := s.Ended.Sub(s.Started); got != tc.wantAt {
				t.Fatalf("ended after %v of virtual time, want %v", got, tc.wantAt)
			}
			mock.mu.Lock()
			defer mock.mu.Unlock()
			if len(mock.requests) != tc.requests {
				t.Fatalf("%d requests, want %d", len(mock.requests), tc.requests)
			}
			r := mock.requests[0]
			if r.Method != "POST" || r.URL.String() != "https://crm.example/accounts/123456" ||
				r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("request %s %s %v", r.Method, r.URL, r.Header)
			}
			if want := `{"caller":"5551234","tags":["vip","123456"],"tries":3}`; mock.bodies[0] != want {
				t.Fatalf("body %s, want %s", mock.bodies[0], want)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			for _, ev := range h.traces {
				if strings.Contains(ev.Detail, "s3cret") {
					t.Fatalf("a secret reached the trace: %+v", ev)
				}
			}
		})
	}
}

func TestSecretsAreOnlyForURLAndHeaders(t *testing.T) {
	_, diags := engine.Load("x.yaml", []byte(`
name: x
steps:
  - log: "token ${secrets.CRM_TOKEN}"
`))
	if !strings.Contains(diags.Error(), "unknown name secrets") {
		t.Fatalf("diagnostics = %v, want unknown name secrets", diags)
	}
}
