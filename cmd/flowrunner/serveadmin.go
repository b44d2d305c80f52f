package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/admin"
	"github.com/flowrunner/flowrunner/engine"
)

// handleOps registers the operations endpoints: /healthz, /readyz, /calls
// (GET and POST). /readyz checks every node's ARI connection; /calls lists
// every node's calls; POST /calls places a call on the node it names (any
// when there is one). Calls originated without an "app" go to the first of
// the node's fixed applications, if it has some, else to the application
// named after the flow.
func handleOps(srv *admin.Server, nodes []*serveNode) {
	eng := nodes[0].eng // every engine has the same flows, and all drain at once
	var checks []admin.Check
	var calls []admin.NodeCalls
	var originators []admin.NodeOriginator
	for _, n := range nodes {
		checks = append(checks, admin.Check{Name: "ari", Node: n.name, Fn: n.client.Ready})
		calls = append(calls, admin.NodeCalls{Node: n.name, Calls: n.eng.Calls})
		originators = append(originators, admin.NodeOriginator{Node: n.name, Originate: func(ctx context.Context, spec engine.OriginateSpec) (string, error) {
			if spec.App == "" && len(n.fixedApps) > 0 {
				spec.App = n.fixedApps[0]
			}
			return n.eng.Originate(ctx, spec)
		}})
	}
	checks = append(checks,
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
	)
	srv.Handle("GET /healthz", admin.HealthzHandler())
	srv.Handle("GET /readyz", admin.ReadyzHandler(checks...))
	srv.Handle("GET /calls", admin.NodesCallsHandler(time.Now, calls...))
	srv.Handle("POST /calls", admin.NodesOriginateHandler(originators...))
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
	line, err := readFirstLine(file)
	if err != nil {
		return "", fmt.Errorf("reading the admin token: %w", err)
	}
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
	tc, err := caConfig(file)
	if _, ok := errors.AsType[*fs.PathError](err); ok {
		return nil, fmt.Errorf("--ari-ca-file: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("--ari-ca-file %w", err)
	}
	return tc, nil
}
