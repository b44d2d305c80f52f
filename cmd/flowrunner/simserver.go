package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/flowrunner/flowrunner/arisim"
)

const simServerSynopsis = `sim-server [flags]

Runs the ARI simulator as a server, so that 'flowrunner serve' (or any ARI
application) can be run against it exactly as against Asterisk:

  flowrunner sim-server --listen 127.0.0.1:8088 --user asterisk --password secret
  flowrunner serve --flows flows --ari-url http://127.0.0.1:8088/ari \
      --ari-user asterisk --ari-password secret

Place calls into it as Asterisk would take them:
  inbound (dialplan Stasis(), unanswered):
    curl -u asterisk:secret -X POST \
      'http://127.0.0.1:8088/sim/calls?app=hello-world&caller=5551234&script=dtmf%3D1%402s'
  originated (as on Asterisk):
    curl -u asterisk:secret -X POST \
      'http://127.0.0.1:8088/ari/channels?endpoint=Local/s@default&app=hello-world'
  live calls:  curl -u asterisk:secret http://127.0.0.1:8088/sim/calls`

func runSimServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sim-server", simServerSynopsis, stderr)
	listen := fs.String("listen", envDefault("FLOWRUNNER_SIM_LISTEN", "127.0.0.1:8088"), "address to listen on [FLOWRUNNER_SIM_LISTEN]")
	user := fs.String("user", envDefault("FLOWRUNNER_SIM_USER", ""), "ARI user; empty accepts any credentials [FLOWRUNNER_SIM_USER]")
	password := fs.String("password", envDefault("FLOWRUNNER_SIM_PASSWORD", ""), "ARI password [FLOWRUNNER_SIM_PASSWORD]")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sim-server: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "sim-server:", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "sim-server:", err)
		return exitUsage
	}
	sim := arisim.New(arisim.Options{Username: *user, Password: *password, Logger: log, NoTranscript: true})
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("ARI simulator listening", "url", "http://"+ln.Addr().String()+"/ari")
	select {
	case <-ctx.Done():
	case err := <-errc:
		log.Error("sim-server stopped", "err", err)
		return exitInvalid
	}
	sim.Close()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("sim-server shutdown", "err", err)
	}
	log.Info("sim-server stopped", "live_calls", sim.Live())
	return exitOK
}
