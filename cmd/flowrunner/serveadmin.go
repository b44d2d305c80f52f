package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/admin"
	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/prometheus/client_golang/prometheus"
)

// serveMetrics are the metrics fed by the engine and the ARI client; serveAdmin
// registers the rest in reg.
type serveMetrics struct {
	reg   *prometheus.Registry
	calls *admin.CallMetrics
	ari   *admin.ARIMetrics
}

func newServeMetrics() serveMetrics {
	reg := prometheus.NewRegistry()
	return serveMetrics{reg: reg, calls: admin.NewCallMetrics(reg), ari: admin.NewARIMetrics(reg)}
}

// handleOps registers the operations endpoints: /healthz, /readyz, /calls
// (GET and POST). Calls originated without an "app" go to the first of
// fixedApps, if set, else to the application named after the flow.
func handleOps(srv *admin.Server, eng *engine.Engine, client *ariclient.Client, fixedApps []string) {
	srv.Handle("GET /healthz", admin.HealthzHandler())
	srv.Handle("GET /readyz", admin.ReadyzHandler(
		admin.Check{Name: "ari", Fn: client.Ready},
		admin.Check{Name: "flows", Fn: func() error {
			if eng.Flows().Len() == 0 {
				return errors.New("no flow loaded")
			}
			return nil
		}},
		admin.Check{Name: "draining", Fn: func() error {
			if eng.Draining() {
				return errors.New("shutting down: new calls go back to the dialplan")
			}
			return nil
		}},
	))
	srv.Handle("GET /calls", admin.CallsHandler(eng.Calls, time.Now))
	srv.Handle("POST /calls", admin.OriginateHandler(func(ctx context.Context, spec engine.OriginateSpec) (string, error) {
		if spec.App == "" && len(fixedApps) > 0 {
			spec.App = fixedApps[0]
		}
		return eng.Originate(ctx, spec)
	}))
}

// readAdminToken returns the admin token from the flag or, if set, the file
// (its first line). Setting both is an error, and so is an empty file.
func readAdminToken(token, file string) (string, error) {
	if file == "" {
		return token, nil
	}
	if token != "" {
		return "", errors.New("set --admin-token or --admin-token-file, not both")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading the admin token: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("--admin-token-file %s: the first line is empty", file)
	}
	return line, nil
}

// envBool is the boolean value of the environment variable key; unset or
// unparsable is false.
func envBool(key string) bool {
	v, _ := strconv.ParseBool(os.Getenv(key))
	return v
}

// loadCAFile returns a TLS configuration trusting the CA certificates of the
// PEM file, or nil (the system's roots) when file is "".
func loadCAFile(file string) (*tls.Config, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--ari-ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ari-ca-file %s: no PEM certificate in it", file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
