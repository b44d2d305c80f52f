package main

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
)

// syncBuffer is a strings.Builder safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServeOverTLSWithCAFile: serve reaches an https/wss ARI whose
// certificate is signed by the CA in --ari-ca-file, and runs a call.
func TestServeOverTLSWithCAFile(t *testing.T) {
	sim := arisim.New(arisim.Options{Username: "asterisk", Password: "s3cret"})
	defer sim.Close()
	ts := httptest.NewTLSServer(sim)
	defer ts.Close()
	dir := t.TempDir()
	flows := filepath.Join(dir, "flows")
	if err := os.Mkdir(flows, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFlow(t, filepath.Join(flows, "hello.yaml"), "name: hello\nsteps:\n  - answer: {}\n  - hangup: {}\n")
	caFile := filepath.Join(dir, "ca.pem")
	writeFlow(t, caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--flows", flows, "--ari-url", ts.URL + "/ari", "--ari-user", "asterisk",
			"--ari-password", "s3cret", "--ari-ca-file", caFile, "--admin-listen", "", "--watch=false", "--drain-timeout", "1s"},
			&strings.Builder{}, &stderr)
	}()
	client := ts.Client()
	for deadline := time.Now().Add(20 * time.Second); ; {
		req, _ := http.NewRequest("GET", ts.URL+"/ari/applications/hello", nil)
		req.SetBasicAuth("asterisk", "s3cret")
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never connected over wss:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	id, err := sim.PlaceCall(arisim.CallSpec{App: "hello", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-sim.Done(id):
	case <-time.After(20 * time.Second):
		t.Fatalf("the call over TLS never ended:\n%s", stderr.String())
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d:\n%s", code, stderr.String())
	}
}

func TestServeBadCAFile(t *testing.T) {
	dir := t.TempDir()
	writeFlow(t, filepath.Join(dir, "hello.yaml"), "name: hello\nsteps:\n  - hangup: {}\n")
	bad := filepath.Join(dir, "ca.pem")
	writeFlow(t, bad, "not a certificate\n")
	for file, want := range map[string]string{bad: "no PEM certificate in it", filepath.Join(dir, "missing.pem"): "--ari-ca-file: open"} {
		var stdout, stderr strings.Builder
		code := run(t.Context(), []string{"serve", "--flows", dir, "--ari-user", "u", "--ari-password", "p",
			"--ari-ca-file", file, "--admin-listen", "", "--watch=false"}, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), want) {
			t.Errorf("--ari-ca-file %s: exit %d, stderr:\n%s", file, code, stderr.String())
		}
	}
}
