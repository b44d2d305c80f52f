package deploy

import (
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowrunner/flowrunner/engine"
	"time"
)

const (
	repoRoot     = ".."
	manifestsDir = "kubernetes"
	// sweepBound is how long serve may still run after --drain-timeout: up
	// to engine.DefaultHandBackGrace (5 s) for the calls handed back to leave, then
	// the sweep of its applications, bounded at 10 s (sweepApps,
	// cmd/flowrunner/sweep.go). The grace period must cover all of it.
	sweepBound = engine.DefaultHandBackGrace + 10*time.Second
)

// serveSpec is what the serve command accepts, read from its source text.
type serveSpec struct {
	flags        map[string]flagSpec
	env          map[string]bool // FLOWRUNNER_* variables serve reads
	secretPrefix string          // FLOWRUNNER_SECRET_: variables flows see as secrets
	adminDefault string          // admin.DefaultAddr
}

type flagSpec struct {
	isBool bool
	env    string // the variable of the same name, FLOWRUNNER_FLAG_NAME
	def    string // the default when the variable is unset, if a literal
}

var (
	flagRe   = regexp.MustCompile(`\bfs\.(String|Bool|Int|Int64|Uint|Uint64|Float64|Duration|Func|BoolFunc|TextVar|Var|StringVar|BoolVar|IntVar|Int64Var|UintVar|Uint64Var|Float64Var|DurationVar)\(\s*(?:[^"(),]+,\s*)?"([a-z][a-z0-9-]*)"`)
	defRe    = regexp.MustCompile(`\bfs\.String\(\s*"([a-z][a-z0-9-]*)",\s*envDefault\(\s*"FLOWRUNNER_[A-Z0-9_]+",\s*"([^"]*)"\)`)
	envRe    = regexp.MustCompile(`\b(?:envDefault|envBool|os\.Getenv|os\.LookupEnv)\(\s*"(FLOWRUNNER_[A-Z0-9_]+)"`)
	prefixRe = regexp.MustCompile(`secretPrefix\s*=\s*"(FLOWRUNNER_[A-Z0-9_]+)"`)
	addrRe   = regexp.MustCompile(`DefaultAddr\s*=\s*"([^"]+)"`)
	goLineRe = regexp.MustCompile(`(?m)^go\s+(\d+)\.(\d+)(?:\.(\d+))?\s*$`)
	docSep   = regexp.MustCompile(`(?m)^---[ \t]*$`)
)

// readServeSpec extracts serve's flags and variables from the source of
// cmd/flowrunner (serve*.go), without running anything.
func readServeSpec(t *testing.T) serveSpec {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "cmd", "flowrunner", "serve*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src.WriteString(readFile(t, f))
	}
	spec := serveSpec{flags: map[string]flagSpec{}, env: map[string]bool{}}
	for _, m := range flagRe.FindAllStringSubmatch(src.String(), -1) {
		name := m[2]
		spec.flags[name] = flagSpec{
			isBool: strings.HasPrefix(m[1], "Bool"),
			env:    "FLOWRUNNER_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")),
		}
	}
	for _, m := range defRe.FindAllStringSubmatch(src.String(), -1) {
		f := spec.flags[m[1]]
		f.def = m[2]
		spec.flags[m[1]] = f
	}
	for _, m := range envRe.FindAllStringSubmatch(src.String(), -1) {
		spec.env[m[1]] = true
	}
	if m := prefixRe.FindStringSubmatch(readFile(t, filepath.Join(repoRoot, "cmd", "flowrunner", "secrets.go"))); m != nil {
		spec.secretPrefix = m[1]
	}
	if m := addrRe.FindStringSubmatch(readFile(t, filepath.Join(repoRoot, "admin", "server.go"))); m != nil {
		spec.adminDefault = m[1]
	}
	// The regexps must still find what serve is known to have, or every check
	// below would pass or fail for the wrong reason.
	for _, name := range []string{"flows", "ari-url", "admin-listen", "admin-token-file", "drain-timeout"} {
		if _, ok := spec.flags[name]; !ok {
			t.Fatalf("no flag %q found in cmd/flowrunner/serve*.go (found %v): update the regexps of this test", name, keys(spec.flags))
		}
	}
	for _, name := range []string{"FLOWRUNNER_FLOWS", "FLOWRUNNER_ADMIN_LISTEN", "FLOWRUNNER_DRAIN_TIMEOUT"} {
		if !spec.env[name] {
			t.Fatalf("no variable %s found in cmd/flowrunner/serve*.go (found %v): update the regexps of this test", name, keys(spec.env))
		}
	}
	if spec.flags["drain-timeout"].def == "" || spec.secretPrefix == "" || spec.adminDefault == "" {
		t.Fatalf("the drain timeout's default, the secrets' prefix or admin.DefaultAddr not found: update the regexps of this test")
	}
	return spec
}

// serveConfig is one serve invocation: its flags and its environment.
type serveConfig struct {
	spec serveSpec
	args map[string]string // flag → value given on the command line
	env  map[string]string // variable → literal value
	refs map[string]bool   // variables set from a reference (valueFrom)
}

// parseServeArgs parses args as serve does (the flag package: -x or --x,
// "=value" or the next argument for a non-boolean flag); args[0] must be
// "serve". Problems are reported through errorf.
func (spec serveSpec) parseServeArgs(args []string, errorf func(string, ...any)) map[string]string {
	out := map[string]string{}
	if len(args) == 0 || args[0] != "serve" {
		errorf("arguments %q: must start with serve", args)
		return out
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			errorf("argument %q: serve takes no arguments besides its flags", a)
			return out
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		f, ok := spec.flags[name]
		if !ok {
			errorf("flag --%s: serve has no such flag (it has %v)", name, keys(spec.flags))
			continue
		}
		switch {
		case hasValue:
		case f.isBool:
			value = "true"
		case i+1 < len(args):
			i++
			value = args[i]
		default:
			errorf("flag --%s: no value", name)
		}
		out[name] = value
	}
	return out
}

// value is the setting of flag name: from the command line, else its
// variable, else serve's default. known is false when it comes from a
// reference whose value is not in the manifests.
func (c serveConfig) value(name string) (v string, known bool) {
	if v, ok := c.args[name]; ok {
		return v, true
	}
	env := c.spec.flags[name].env
	if v, ok := c.env[env]; ok {
		return v, true
	}
	if c.refs[env] {
		return "", false
	}
	if name == "admin-listen" {
		return c.spec.adminDefault, true
	}
	return c.spec.flags[name].def, true
}

// isSet reports whether flag name is given, on the command line or by its variable.
func (c serveConfig) isSet(name string) bool {
	env := c.spec.flags[name].env
	_, inArgs := c.args[name]
	_, inEnv := c.env[env]
	return inArgs || (inEnv && c.env[env] != "") || c.refs[env]
}

func (c serveConfig) boolValue(name string) bool {
	v, _ := c.value(name)
	b, _ := strconv.ParseBool(v)
	return b
}

// adminProblem returns why serve would refuse to start with this admin
// configuration, or "".
func (c serveConfig) adminProblem() string {
	listen, _ := c.value("admin-listen")
	if listen == "" || isLoopback(listen) {
		return ""
	}
	if c.isSet("admin-token") || c.isSet("admin-token-file") || c.boolValue("admin-allow-insecure") {
		return ""
	}
	return fmt.Sprintf("admin endpoint on %s, not loopback, without a token: serve refuses to start (exit 2); set FLOWRUNNER_ADMIN_TOKEN_FILE", listen)
}

// checkEnvName reports a FLOWRUNNER_* variable serve does not read.
func (spec serveSpec) checkEnvName(name string, errorf func(string, ...any)) {
	if !strings.HasPrefix(name, "FLOWRUNNER_") || spec.env[name] {
		return
	}
	if s, ok := strings.CutPrefix(name, spec.secretPrefix); ok && s != "" {
		return // a secret for http steps
	}
	errorf("variable %s: serve does not read it (it reads %v and %s*)", name, keys(spec.env), spec.secretPrefix)
}

// isLoopback reports whether serve would bind addr to loopback only. A host
// name other than localhost counts as exposed.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func addrPort(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}
