package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
)

// target is the ARI server a run talks to: a simulator (in this process or a
// child process) or a real Asterisk.
type target struct {
	URL                string // ARI base, http://host:port/ari
	Username, Password string
	sim                bool // it has the simulator's /sim endpoints
	stop               func() (cpu time.Duration, err error)
}

// startInProcessSim serves a simulator on a loopback port of this process.
func startInProcessSim() (*target, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	user, pass := "bench", randomToken()
	sim := arisim.New(arisim.Options{Username: user, Password: pass, NoTranscript: true})
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &target{URL: "http://" + ln.Addr().String() + "/ari", Username: user, Password: pass, sim: true,
		stop: func() (time.Duration, error) {
			sim.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return 0, srv.Shutdown(ctx)
		}}, nil
}

// startChildSim runs `flowrunner sim-server` (command, with its arguments
// before "sim-server") as a child process and waits for its listening line.
// Its CPU time is reported when it stops.
func startChildSim(command []string, env []string) (*target, error) {
	user, pass := "bench", randomToken()
	args := append(append([]string{}, command[1:]...), "sim-server", "--listen", "127.0.0.1:0",
		"--user", user, "--password", pass, "--log-format", "json")
	cmd := exec.Command(command[0], args...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the simulator: %w", err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var line struct{ Msg, URL string }
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "ARI simulator listening" {
				urlc <- line.URL
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	var url string
	select {
	case url = <-urlc:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, errors.New("the simulator did not start within 10s")
	}
	return &target{URL: url, Username: user, Password: pass, sim: true,
		stop: func() (time.Duration, error) {
			_ = cmd.Process.Signal(interruptSignal)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			st := cmd.ProcessState
			return st.UserTime() + st.SystemTime(), nil
		}}, nil
}

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// simCall performs a request on the simulator's /sim endpoints and decodes a
// JSON answer into out (if not nil).
func (t *target) simCall(ctx context.Context, method, path string, out any) error {
	base := strings.TrimSuffix(t.URL, "/ari")
	req, err := http.NewRequestWithContext(ctx, method, base+"/sim"+path, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(t.Username, t.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s /sim%s: %s %s", method, path, resp.Status, strings.TrimSpace(string(body)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}
