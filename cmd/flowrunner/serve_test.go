package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// process is flowrunner running as a separate process (see TestMain).
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *lockedBuffer
	lines  chan string
	done   chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func startFlowrunner(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FLOWRUNNER_TEST_MAIN=1")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{t: t, cmd: cmd, stderr: &lockedBuffer{}, lines: make(chan string, 1024), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.stderr.mu.Lock()
			p.stderr.b.WriteString(sc.Text() + "\n")
			p.stderr.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	return p
}

// waitLine returns the first submatch of re in the process's log.
func (p *process) waitLine(re *regexp.Regexp) string {
	p.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if m := re.FindStringSubmatch(line); m != nil {
				return m[1]
			}
		case <-timeout:
			p.t.Fatalf("%q never appeared in the log:\n%s", re, p.stderr.String())
		}
	}
}

// stop sends SIGTERM and returns the exit code.
func (p *process) stop() int {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	err := p.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		p.t.Fatal(err)
	}
	return 0
}

// TestServeAgainstSimServer runs serve and sim-server as two processes, as
// against a real Asterisk, places 200 concurrent calls and checks that every
// call completes and none is left in Stasis.
func TestServeAgainstSimServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	const calls = 200
	dir := t.TempDir()
	flow, err := os.ReadFile("../../examples/hello-world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hello-world.yaml"), flow, 0o644); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(dir, "ari-password")
	if err := os.WriteFile(pwFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	sim := startFlowrunner(t, "sim-server", "--listen", "127.0.0.1:0", "--user", "asterisk", "--password", "s3cret")
	base := sim.waitLine(regexp.MustCompile(`url=(http://\S+)/ari`))
	serve := startFlowrunner(t, "serve", "--flows", dir, "--ari-url", base+"/ari",
		"--ari-user", "asterisk", "--ari-password-file", pwFile, "--log-level", "warn", "--drain-timeout", "20s",
		"--admin-listen", "")

	// Ready once the app is registered (its WebSocket is connected).
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(path string) (int, []byte) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.SetBasicAuth("asterisk", "s3cret")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if st, _ := get("/ari/applications/hello-world"); st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never connected:\n%s", serve.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/sim/calls?app=hello-world&caller=555%04d", base, i), nil)
			req.SetBasicAuth("asterisk", "s3cret")
			resp, err := client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Errorf("placing call %d: status %d", i, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	st, body := get("/sim/calls?wait=idle&timeout=60s")
	var state struct {
		Live     int `json:"live"`
		InStasis int `json:"in_stasis"`
	}
	if err := json.Unmarshal(body, &state); err != nil || st != 200 {
		t.Fatalf("GET /sim/calls: %d %s", st, body)
	}
	if state.Live != 0 || state.InStasis != 0 {
		t.Fatalf("after %d calls: %d still live, %d in Stasis\nserve log:\n%s", calls, state.Live, state.InStasis, serve.stderr.String())
	}

	// SIGTERM with a call in progress (hello-world lasts 2.4 s): serve
	// drains, the call completes rather than being left in Stasis, and serve
	// exits 0.
	placeCall := func() {
		req, _ := http.NewRequest("POST", base+"/sim/calls?app=hello-world", nil)
		req.SetBasicAuth("asterisk", "s3cret")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("placing a call: status %d", resp.StatusCode)
		}
	}
	placeCall()
	if code := serve.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, serve.stderr.String())
	}
	st, body = get("/sim/calls")
	if err := json.Unmarshal(body, &state); err != nil || st != 200 || state.Live != 0 {
		t.Fatalf("after the drain: %d %s", st, body)
	}

	if code := sim.stop(); code != 0 {
		t.Fatalf("sim-server exited %d:\n%s", code, sim.stderr.String())
	}
	if strings.Contains(serve.stderr.String(), "s3cret") {
		t.Fatal("the ARI password appears in serve's log")
	}
}
