package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flowrunner/flowrunner/admin"
	"github.com/flowrunner/flowrunner/engine"
	"github.com/flowrunner/flowrunner/reload"
	"github.com/prometheus/client_golang/prometheus"
)

const serveSynopsis = `serve [flags]

Serves the flows in --flows to Asterisk over ARI. Each flow is reached by its
name: as the Stasis application name, or as the first Stasis() argument of an
application in --apps. Every flag has an environment variable equivalent
(shown in brackets); flags win.

Flows are reloaded without a restart when a file in --flows changes (unless
--watch=false), on SIGHUP, and on POST /-/reload to the admin endpoint. A call
keeps the flow version it started with; a file that fails to load is rejected
with its errors logged, and its previous version keeps serving. serve starts
as long as one flow loads.

With --config FILE, serve connects to every Asterisk node the file lists
(YAML: name, url, username, password_file or password_env, optional ca_file
and apps; see docs/examples/nodes.yaml and 'flowrunner schema --config'),
instead of the one --ari-url. Every node runs the same flows; a call is
handled by the node it arrives on; a node that is down only makes its own
connection retry. Metrics and log lines of a node carry node="NAME". --config
replaces --ari-url, --ari-user, --ari-password, --ari-password-file,
--ari-ca-file and --apps; check the file with
'flowrunner validate --config FILE'.`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", serveSynopsis, stderr)
	flowsDir := fs.String("flows", envDefault("FLOWRUNNER_FLOWS", "flows"), "directory of flow files [FLOWRUNNER_FLOWS]")
	configFile := fs.String("config", envDefault("FLOWRUNNER_CONFIG", ""), "node config file: the Asterisk nodes to serve (replaces --ari-* and --apps) [FLOWRUNNER_CONFIG]")
	ariURL := fs.String("ari-url", envDefault("FLOWRUNNER_ARI_URL", "http://127.0.0.1:8088/ari"), "ARI base URL, http(s)://host:port/ari [FLOWRUNNER_ARI_URL]")
	user := fs.String("ari-user", envDefault("FLOWRUNNER_ARI_USER", ""), "ARI user from ari.conf [FLOWRUNNER_ARI_USER]")
	password := fs.String("ari-password", envDefault("FLOWRUNNER_ARI_PASSWORD", ""), "ARI password [FLOWRUNNER_ARI_PASSWORD]; prefer --ari-password-file")
	passwordFile := fs.String("ari-password-file", envDefault("FLOWRUNNER_ARI_PASSWORD_FILE", ""), "file holding the ARI password [FLOWRUNNER_ARI_PASSWORD_FILE]")
	caFile := fs.String("ari-ca-file", envDefault("FLOWRUNNER_ARI_CA_FILE", ""), "PEM file of the CA certificates to trust for an https/wss --ari-url, instead of the system's [FLOWRUNNER_ARI_CA_FILE]")
	apps := fs.String("apps", envDefault("FLOWRUNNER_APPS", ""), "comma-separated Stasis application names to register (default: the name of every flow) [FLOWRUNNER_APPS]")
	unrouted := fs.String("unrouted", envDefault("FLOWRUNNER_UNROUTED", "continue"), "what to do with a call whose flow is unknown: continue (back to the dialplan) or hangup [FLOWRUNNER_UNROUTED]")
	logFormat := fs.String("log-format", envDefault("FLOWRUNNER_LOG_FORMAT", "text"), "log format: text or json [FLOWRUNNER_LOG_FORMAT]")
	logLevel := fs.String("log-level", envDefault("FLOWRUNNER_LOG_LEVEL", "info"), "log level: debug, info, warn, error [FLOWRUNNER_LOG_LEVEL]")
	watchDefault, err := strconv.ParseBool(envDefault("FLOWRUNNER_WATCH", "true"))
	if err != nil {
		fmt.Fprintf(stderr, "serve: bad FLOWRUNNER_WATCH %q: use true or false\n", os.Getenv("FLOWRUNNER_WATCH"))
		return exitUsage
	}
	watch := fs.Bool("watch", watchDefault, "reload flows when files in --flows change (SIGHUP and POST /-/reload reload in any case) [FLOWRUNNER_WATCH]")
	adminAddr := fs.String("admin-listen", envDefault("FLOWRUNNER_ADMIN_LISTEN", admin.DefaultAddr), "admin HTTP endpoint (GET /healthz, /readyz, /calls, /flows, /metrics; POST /calls, /-/reload), host:port; empty disables it [FLOWRUNNER_ADMIN_LISTEN]")
	adminToken := fs.String("admin-token", envDefault("FLOWRUNNER_ADMIN_TOKEN", ""), "bearer token every admin request but GET /healthz and /readyz must carry [FLOWRUNNER_ADMIN_TOKEN]; prefer --admin-token-file")
	adminTokenFile := fs.String("admin-token-file", envDefault("FLOWRUNNER_ADMIN_TOKEN_FILE", ""), "file holding the admin bearer token [FLOWRUNNER_ADMIN_TOKEN_FILE]")
	adminInsecure := fs.Bool("admin-allow-insecure", envBool("FLOWRUNNER_ADMIN_ALLOW_INSECURE"), "allow a non-loopback --admin-listen without a token [FLOWRUNNER_ADMIN_ALLOW_INSECURE]")
	traceDir := fs.String("trace-dir", envDefault("FLOWRUNNER_TRACE_DIR", ""), "write one JSON trace file per finished call (steps, outcomes, ARI events, actions with timings) into this directory [FLOWRUNNER_TRACE_DIR]")
	drainFlag := fs.String("drain-timeout", envDefault("FLOWRUNNER_DRAIN_TIMEOUT", "30s"), "on SIGTERM/SIGINT, how long calls in progress may run on; new calls, and then the calls still running, are handed back per --unrouted (to the dialplan, or hung up) [FLOWRUNNER_DRAIN_TIMEOUT]")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return exitUsage
	}
	drainTimeout, err := time.ParseDuration(*drainFlag)
	if err != nil || drainTimeout < 0 {
		fmt.Fprintf(stderr, "serve: bad --drain-timeout %q: use a duration like 30s or 2m\n", *drainFlag)
		return exitUsage
	}
	policy, err := parseUnrouted(*unrouted)
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return exitUsage
	}
	var specs []nodeSpec
	if *configFile != "" {
		if both := nodeFlagConflicts(fs); len(both) > 0 {
			fmt.Fprintf(stderr, "serve: --config %s lists the Asterisk nodes with their urls, credentials and apps; remove %s\n",
				*configFile, strings.Join(both, ", "))
			return exitUsage
		}
		var warnings []string
		specs, warnings, err = loadNodes(*configFile)
		for _, w := range warnings {
			log.Warn(w)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%v\nserve: --config %s: fix the errors above (flowrunner validate --config shows them too)\n", err, *configFile)
			return exitUsage
		}
	} else {
		pass, err := readPassword(*password, *passwordFile)
		if err != nil {
			fmt.Fprintln(stderr, "serve:", err)
			return exitUsage
		}
		tlsConfig, err := loadCAFile(*caFile)
		if err != nil {
			fmt.Fprintln(stderr, "serve:", err)
			return exitUsage
		}
		specs = []nodeSpec{{url: *ariURL, user: *user, password: pass, tls: tlsConfig, apps: splitList(*apps)}}
	}
	token, err := readAdminToken(*adminToken, *adminTokenFile)
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return exitUsage
	}

	if info, err := os.Stat(*flowsDir); err != nil || !info.IsDir() {
		fmt.Fprintf(stderr, "serve: --flows %s is not a readable directory\n", *flowsDir)
		return exitUsage
	}
	// The reload goroutine is up first: the startup load is a reload like
	// any other. Swaps before the engine exists only record the registry.
	rl := newServeReload(log)
	reloader, err := reload.New(reload.Options{Dir: *flowsDir, Swap: rl.swap, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return exitUsage
	}
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	go reloader.Run(bg)
	var watcher *reload.Watcher
	if *watch {
		// Watch before the first load, so no change is missed in between.
		// Without a watcher (inotify limits reached, say) SIGHUP and the
		// admin endpoint still reload.
		if watcher, err = reloader.NewWatcher(0); err != nil {
			log.Error("not watching the flows directory; reload with SIGHUP or POST /-/reload", "dir", *flowsDir, "err", err)
		} else {
			defer watcher.Close()
		}
	}
	res, _ := reloader.Reload(ctx, reload.TriggerStartup)
	if ctx.Err() != nil {
		return exitOK // stopped while starting
	}
	if len(res.Flows) == 0 {
		fmt.Fprintln(stderr, "serve: no flow loaded; fix the errors above (flowrunner validate shows them too)")
		return exitInvalid
	}
	var adminSrv *admin.Server
	if *adminAddr != "" {
		adminSrv, err = admin.Open(admin.Options{Addr: *adminAddr, Token: token, AllowInsecure: *adminInsecure, Logger: log})
		if errors.Is(err, admin.ErrExposed) {
			fmt.Fprintf(stderr, "serve: --admin-listen %s: not a loopback address; set --admin-token (or --admin-token-file), or pass --admin-allow-insecure\n", *adminAddr)
			return exitUsage
		}
		if err != nil {
			fmt.Fprintln(stderr, "serve: --admin-listen:", err)
			return exitUsage
		}
	}
	reg := rl.initial()
	metricsReg := prometheus.NewRegistry()
	shared := nodeShared{log: log, reg: metricsReg, flows: reg.Names(), unrouted: policy,
		secrets: secretsFromEnv(os.Environ()), traceDir: *traceDir}
	var nodes []*serveNode
	defer func() {
		for _, n := range nodes {
			n.close()
		}
	}()
	for _, spec := range specs {
		n, err := newServeNode(spec, shared)
		if err != nil {
			if spec.name != "" {
				err = fmt.Errorf("node %q: %w", spec.name, err)
			}
			fmt.Fprintln(stderr, "serve:", err)
			return exitUsage
		}
		nodes = append(nodes, n)
		if n.appSync != nil {
			go n.appSync.Run(bg, time.Second)
		}
	}
	rl.start(nodes)

	if watcher != nil {
		go watcher.Run(bg)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-bg.Done():
				return
			case <-hup:
				_, _ = reloader.Reload(bg, reload.TriggerSignal)
			}
		}
	}()
	if adminSrv != nil {
		serveAdmin(adminSrv, reloader, nodes, metricsReg, log)
		defer shutdownAdmin(adminSrv)
	}

	if len(nodes) == 1 && nodes[0].name == "" {
		n := nodes[0]
		log.Info("serving", "flows", strings.Join(reg.Names(), ","), "apps", strings.Join(n.client.Apps(), ","), "ari_url", n.url,
			"watch", *watch, "admin", adminAddrString(adminSrv))
	} else {
		for _, n := range nodes {
			n.log.Info("asterisk node", "apps", strings.Join(n.client.Apps(), ","), "ari_url", n.url)
		}
		log.Info("serving", "flows", strings.Join(reg.Names(), ","), "nodes", nodeNames(nodes),
			"watch", *watch, "admin", adminAddrString(adminSrv))
	}
	// The ARI connections outlive the signal: calls in progress need their
	// events while the engines drain.
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	runDone := make(chan nodeRun, len(nodes))
	runNodes(runCtx, nodes, runDone)
	select {
	case r := <-runDone:
		r.node.log.Error("ari client stopped", "err", r.err)
		return exitInvalid
	case <-ctx.Done():
	}
	log.Info("draining: new calls go back to the dialplan", "active_calls", activeCalls(nodes), "drain_timeout", drainTimeout)
	drainCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	remaining := drainNodes(drainCtx, nodes, policy)
	cancel()
	stopRun()
	for range nodes {
		<-runDone
	}
	log.Info("stopped", "calls_hung_up_at_drain_timeout", remaining)
	return exitOK
}

// usageError maps a flag parsing error to an exit code: --help is success.
func usageError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

func parseUnrouted(s string) (engine.UnroutedPolicy, error) {
	switch s {
	case "continue":
		return engine.UnroutedContinue, nil
	case "hangup":
		return engine.UnroutedHangup, nil
	}
	return 0, fmt.Errorf("bad --unrouted %q: use continue or hangup", s)
}

// readPassword returns the password from the flag or, if set, the file (its
// first line). Setting both is an error.
func readPassword(password, file string) (string, error) {
	if file == "" {
		return password, nil
	}
	if password != "" {
		return "", errors.New("set --ari-password or --ari-password-file, not both")
	}
	line, err := readFirstLine(file)
	if err != nil {
		return "", fmt.Errorf("reading the ARI password: %w", err)
	}
	return line, nil
}
