package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/admin"
)

const healthcheckSynopsis = `healthcheck [flags]

Asks a running 'flowrunner serve' whether it is ready (GET /readyz on its admin
endpoint; with --live, whether it is alive: GET /healthz) and exits 0 if so, 1
if not, printing the reason. It is for container health checks where there is
no shell or curl, as in the distroless image:

  HEALTHCHECK CMD ["/flowrunner", "healthcheck"]

The address is --url, or else the one serve listens on: FLOWRUNNER_ADMIN_LISTEN
(default 127.0.0.1:9090), with an unspecified host (":9090", "0.0.0.0:9090")
asked on loopback. The health checks need no admin token.`

func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("healthcheck", healthcheckSynopsis, stderr)
	url := fs.String("url", "", "the URL to ask (default: /readyz on the admin endpoint, see above)")
	live := fs.Bool("live", false, "ask whether serve is alive (/healthz) rather than ready (/readyz)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "healthcheck: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	target := *url
	if target == "" {
		path := "/readyz"
		if *live {
			path = "/healthz"
		}
		target = "http://" + loopbackFor(envDefault("FLOWRUNNER_ADMIN_LISTEN", admin.DefaultAddr)) + path
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return exitUsage
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck: not answering:", err)
		return exitInvalid
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
		return exitInvalid
	}
	fmt.Fprintf(stdout, "%s: %s\n", target, strings.TrimSpace(string(body)))
	return exitOK
}

// loopbackFor is the address to reach a server listening on addr from the
// same host: an unspecified host (":9090", "0.0.0.0:9090", "[::]:9090")
// becomes loopback.
func loopbackFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
