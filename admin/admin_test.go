package admin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/reload"
	"github.com/prometheus/client_golang/prometheus"
)

// start serves the reload endpoints of a Reloader on dir on a free port.
func start(t *testing.T, dir string) string {
	t.Helper()
	r, err := reload.New(reload.Options{Dir: dir, Swap: func(*engine.Registry) {}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	srv, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := NewReloadMetrics(reg)
	r.Subscribe(m.Observe)
	srv.Handle("POST /-/reload", ReloadHandler(r))
	srv.Handle("GET /flows", FlowsHandler(r))
	srv.Handle("GET /metrics", MetricsHandler(reg))
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
		cancel()
	})
	return "http://" + srv.Addr().String()
}

func do(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestReloadAndFlowsEndpoints(t *testing.T) {
	dir := t.TempDir()
	good := "name: hello\nsteps:\n  - answer: {}\n  - hangup: {}\n"
	if err := os.WriteFile(filepath.Join(dir, "hello.yaml"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	base := start(t, dir)

	st, body := do(t, "POST", base+"/-/reload")
	var res resultOut
	if err := json.Unmarshal([]byte(body), &res); err != nil || st != 200 || !res.OK || len(res.Flows) != 1 || res.Flows[0].Name != "hello" || res.Seq != 1 {
		t.Fatalf("POST /-/reload: %d %s", st, body)
	}
	if len(res.Changes) != 1 || res.Changes[0].Kind != "added" {
		t.Errorf("changes %+v", res.Changes)
	}

	broken := "name: hello\nsteps:\n  - answer: {}\n  - goto: nowhere\n"
	if err := os.WriteFile(filepath.Join(dir, "hello.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	st, body = do(t, "POST", base+"/-/reload")
	res = resultOut{}
	if err := json.Unmarshal([]byte(body), &res); err != nil || st != http.StatusUnprocessableEntity || res.OK {
		t.Fatalf("POST /-/reload with a broken file: %d %s", st, body)
	}
	if len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0].Text, filepath.Join(dir, "hello.yaml")+":4:") || res.Errors[0].Line != 4 {
		t.Fatalf("errors %+v", res.Errors)
	}
	if len(res.Flows) != 1 || res.Flows[0].Version != engine.Version([]byte(good)) {
		t.Fatalf("the previous version should keep serving: %+v", res.Flows)
	}

	st, body = do(t, "GET", base+"/flows")
	var status statusOut
	if err := json.Unmarshal([]byte(body), &status); err != nil || st != 200 {
		t.Fatalf("GET /flows: %d %s", st, body)
	}
	if len(status.Flows) != 1 || status.Flows[0].LoadedAt.IsZero() || status.Flows[0].File != filepath.Join(dir, "hello.yaml") {
		t.Errorf("flows %+v", status.Flows)
	}
	if len(status.Files) != 1 || !status.Files[0].Rejected || status.Files[0].Version != engine.Version([]byte(broken)) ||
		status.Files[0].FlowVersion != engine.Version([]byte(good)) || len(status.Files[0].Diagnostics) != 1 {
		t.Errorf("files %+v", status.Files)
	}
	if status.LastError == nil || status.LastError.Seq != 2 || status.LastReload.Seq != 2 {
		t.Errorf("last reload %+v, last error %+v", status.LastReload, status.LastError)
	}

	st, body = do(t, "GET", base+"/metrics")
	for _, want := range []string{"flowrunner_reload_success 0", `flowrunner_reload_total{result="failure"} 1`,
		`flowrunner_reload_total{result="success"} 1`, "flowrunner_flows_loaded 1", "flowrunner_reload_duration_seconds_count 2"} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if st != 200 {
		t.Errorf("GET /metrics: %d", st)
	}

	if st, _ := do(t, "GET", base+"/-/reload"); st != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: %d, want 405", st)
	}
}
