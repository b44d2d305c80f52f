package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/flowrunner/flowrunner/admin"
	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/calltrace"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/reload"
	"github.com/flowrunner/flowrunner/schema"
	"github.com/prometheus/client_golang/prometheus"
)

// nodeSpec is one Asterisk node serve connects to, its secrets read: from
// the --ari-* flags (one node without a name), or from a --config file.
type nodeSpec struct {
	name     string // "" without --config: no node label anywhere
	url      string
	user     string
	password string
	tls      *tls.Config // nil: the system's roots
	apps     []string    // nil: one application per flow, kept in step with reloads
}

// nodeFlags are the flags a --config file replaces, with their environment
// variables.
var nodeFlags = []struct{ flag, env string }{
	{"ari-url", "FLOWRUNNER_ARI_URL"},
	{"ari-user", "FLOWRUNNER_ARI_USER"},
	{"ari-password", "FLOWRUNNER_ARI_PASSWORD"},
	{"ari-password-file", "FLOWRUNNER_ARI_PASSWORD_FILE"},
	{"ari-ca-file", "FLOWRUNNER_ARI_CA_FILE"},
	{"apps", "FLOWRUNNER_APPS"},
}

// nodeFlagConflicts returns the --ari-* and --apps settings given, on the
// command line or in the environment, along with --config.
func nodeFlagConflicts(fs *flag.FlagSet) []string {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var out []string
	for _, nf := range nodeFlags {
		switch {
		case set[nf.flag]:
			out = append(out, "--"+nf.flag)
		case os.Getenv(nf.env) != "":
			out = append(out, nf.env)
		}
	}
	return out
}

// loadNodes reads the node config file and each node's secrets: password
// files, environment variables and CA files, relative paths taken from the
// file's directory. Problems come back as file:line:col lines; warnings
// (none stops serve) are returned apart.
func loadNodes(file string) (nodes []nodeSpec, warnings []string, err error) {
	cfg, diags := schema.ParseConfigFile(file)
	var problems []string
	for _, d := range diags {
		if d.Severity == schema.SeverityWarning {
			warnings = append(warnings, d.Error())
		} else {
			problems = append(problems, d.Error())
		}
	}
	if cfg == nil {
		return nil, warnings, errors.New(strings.Join(problems, "\n"))
	}
	dir := filepath.Dir(file)
	path := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for _, n := range cfg.Nodes {
		fail := func(at schema.Pos, format string, args ...any) {
			problems = append(problems, schema.Diagnostic{File: file, Pos: at, Msg: n.Label() + ": " + fmt.Sprintf(format, args...)}.Error())
		}
		spec := nodeSpec{name: n.Name.Value, url: n.URL.Value, user: n.Username.Value, password: n.Password.Value}
		switch {
		case n.PasswordFile.Value != "":
			pw, err := readFirstLine(path(n.PasswordFile.Value))
			switch {
			case err != nil:
				fail(n.PasswordFile.Pos, "password_file: %v", err)
			case pw == "":
				fail(n.PasswordFile.Pos, "password_file %s: the first line is empty", path(n.PasswordFile.Value))
			}
			spec.password = pw
		case n.PasswordEnv.Value != "":
			if spec.password = os.Getenv(n.PasswordEnv.Value); spec.password == "" {
				fail(n.PasswordEnv.Pos, "password_env: the environment variable %s is not set, or empty", n.PasswordEnv.Value)
			}
		}
		if n.CAFile.Value != "" {
			tc, err := caConfig(path(n.CAFile.Value))
			if err != nil {
				fail(n.CAFile.Pos, "ca_file: %v", err)
			}
			spec.tls = tc
		}
		if n.Apps != nil {
			spec.apps = []string{}
			for _, a := range n.Apps {
				spec.apps = append(spec.apps, a.Value)
			}
		}
		nodes = append(nodes, spec)
	}
	if len(problems) > 0 {
		return nil, warnings, errors.New(strings.Join(problems, "\n"))
	}
	return nodes, warnings, nil
}

// readFirstLine returns the first line of a file, without its line break.
func readFirstLine(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

// caConfig returns a TLS configuration trusting the CA certificates of a
// PEM file.
func caConfig(file string) (*tls.Config, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// serveNode is one Asterisk node while serve runs: its ARI client, the
// engine its calls live in, and what keeps its applications in step.
type serveNode struct {
	name      string
	url       string
	log       *slog.Logger          // with node=NAME when the node has one
	metrics   prometheus.Registerer // the shared registry, with node="NAME"
	client    *ariclient.Client
	eng       *engine.Engine
	fixedApps []string        // nil: one application per flow
	appSync   *reload.AppSync // nil with fixed applications
	traces    *calltrace.Writer
}

// nodeShared is what every node's engine gets alike.
type nodeShared struct {
	log      *slog.Logger
	reg      *prometheus.Registry
	flows    []string // the flow names of the startup load
	unrouted engine.UnroutedPolicy
	secrets  map[string]string
	traceDir string // "" for no traces; a node with a name writes into traceDir/NAME
}

// newServeNode connects nothing yet: it creates the node's client (Run
// connects it), engine and metrics. Close it with close.
func newServeNode(spec nodeSpec, sh nodeShared) (*serveNode, error) {
	n := &serveNode{name: spec.name, url: spec.url, log: sh.log, metrics: sh.reg}
	if spec.name != "" {
		n.log = sh.log.With("node", spec.name)
		n.metrics = prometheus.WrapRegistererWith(prometheus.Labels{"node": spec.name}, sh.reg)
	}
	calls, ari := admin.NewCallMetrics(n.metrics), admin.NewARIMetrics(n.metrics)
	apps := spec.apps
	if len(apps) > 0 {
		n.fixedApps = apps
	} else {
		apps = sh.flows
	}
	var err error
	n.client, err = ariclient.New(ariclient.Options{
		URL: spec.url, Username: spec.user, Password: spec.password, Apps: apps, Logger: n.log,
		OnRequest: ari.ObserveRequest, TLSConfig: spec.tls,
	})
	if err != nil {
		return nil, err
	}
	cfg := engine.Config{ARI: n.client, Logger: n.log, Unrouted: sh.unrouted, Secrets: sh.secrets, Observer: calls}
	if sh.traceDir != "" {
		dir := sh.traceDir
		if spec.name != "" {
			dir = filepath.Join(dir, spec.name) // channel ids of two nodes may clash
		}
		if n.traces, err = calltrace.New(dir, n.log); err != nil {
			n.client.Close()
			return nil, fmt.Errorf("--trace-dir: %w", err)
		}
		cfg.Trace, cfg.TraceARI, cfg.OnCallEnd = n.traces.Trace, true, n.traces.End
	}
	n.eng = engine.New(cfg)
	if n.fixedApps == nil {
		n.appSync = reload.NewAppSync(n.client.SetApps, n.eng.CallsByApp, apps, n.log)
	}
	return n, nil
}

// close stops the engine, then the trace writer (the last calls' files are
// written), then the client.
func (n *serveNode) close() {
	n.eng.Close()
	if n.traces != nil {
		n.traces.Close()
	}
	n.client.Close()
}

// nodeRun is a node's client.Run having returned.
type nodeRun struct {
	node *serveNode
	err  error
}

// runNodes runs every node's ARI client until ctx ends; each returns on done.
func runNodes(ctx context.Context, nodes []*serveNode, done chan<- nodeRun) {
	for _, n := range nodes {
		go func() { done <- nodeRun{n, n.client.Run(ctx, n.eng)} }()
	}
}

// drainNodes drains every node's engine in parallel within ctx, then sweeps
// every node's applications in parallel; it returns the calls still running
// when ctx ended. A node that is down costs its sweep's timeout, not the
// others' drain.
func drainNodes(ctx context.Context, nodes []*serveNode, policy engine.UnroutedPolicy) int {
	var wg sync.WaitGroup
	remaining := make([]int, len(nodes))
	for i, n := range nodes {
		wg.Go(func() { remaining[i] = n.eng.Drain(ctx) })
	}
	wg.Wait()
	for _, n := range nodes {
		wg.Go(func() { sweepApps(n.client, policy, n.log) })
	}
	wg.Wait()
	total := 0
	for _, r := range remaining {
		total += r
	}
	return total
}

// nodeNames lists the nodes' names, comma-separated.
func nodeNames(nodes []*serveNode) string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.name
	}
	return strings.Join(names, ",")
}

// activeCalls counts the calls in progress on every node.
func activeCalls(nodes []*serveNode) int {
	total := 0
	for _, n := range nodes {
		total += n.eng.ActiveCalls()
	}
	return total
}
