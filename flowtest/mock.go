package flowtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/flowrunner/flowrunner/schema"
)

// mockHTTP answers http steps from a case's mocks: the first whose method and
// URL pattern match. A request no mock matches fails the step and the case.
type mockHTTP struct {
	mocks []schema.HTTPMock

	mu        sync.Mutex
	unmatched []string // guarded by mu
}

func (m *mockHTTP) Do(r *http.Request) (*http.Response, error) {
	url := r.URL.String()
	for _, mk := range m.mocks {
		if mk.Method != "" && !strings.EqualFold(mk.Method, r.Method) {
			continue
		}
		if ok, _ := path.Match(mk.URL.Value, url); !ok && mk.URL.Value != url {
			continue
		}
		// The clock is virtual: a delay is simulated only as what it
		// causes, a timeout when the step would give up first.
		late := false
		if dl, ok := r.Context().Deadline(); ok && mk.Delay > 0 {
			late = mk.Delay >= time.Until(dl)
		}
		if mk.Timeout || late {
			return nil, context.DeadlineExceeded
		}
		var body []byte
		if mk.JSON != nil {
			body, _ = json.Marshal(mk.JSON)
		}
		return &http.Response{StatusCode: mk.Status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
	}
	m.mu.Lock()
	m.unmatched = append(m.unmatched, r.Method+" "+url)
	m.mu.Unlock()
	return nil, fmt.Errorf("flowtest: no http mock matches %s %s", r.Method, url)
}
