package deploy

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"sigs.k8s.io/yaml"
)

const (
	repoRoot     = ".."
	manifestsDir = "kubernetes"
	// sweepBound is how long serve may still run after --drain-timeout: the
	// sweep of its applications is bounded at 10 s (sweepApps,
	// cmd/flowrunner/sweep.go). The grace period must cover both.
	sweepBound = 10 * time.Second
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

// ---- Dockerfile ----

type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, ...
	args string
}

func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	var out []instruction
	var cur *instruction
	for i, line := range strings.Split(readFile(t, filepath.Join(repoRoot, "Dockerfile")), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur != nil && strings.HasPrefix(trimmed, "#") {
			continue // a comment inside a continued instruction
		}
		cont := strings.HasSuffix(trimmed, `\`)
		trimmed = strings.TrimSuffix(trimmed, `\`)
		if cur == nil {
			cmd, rest, _ := strings.Cut(trimmed, " ")
			cur = &instruction{line: i + 1, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(rest)}
		} else {
			cur.args += " " + trimmed
		}
		if !cont {
			out = append(out, *cur)
			cur = nil
		}
	}
	return out
}

// dockerImage is what the Dockerfile tells about the final image.
type dockerImage struct {
	cmd       []string
	env       map[string]string
	expose    []string
	flowsDirs []string // where the flows/ directory is copied
}

// checkDockerfile reads the Dockerfile and reports through errorf what is
// wrong with it; only an unreadable one is fatal.
func checkDockerfile(t *testing.T, spec serveSpec, errorf func(string, ...any)) dockerImage {
	t.Helper()
	ins := readDockerfile(t)
	var stages [][]instruction
	var stageNames []string
	for _, in := range ins {
		if in.cmd == "FROM" {
			stages = append(stages, nil)
			f := fields(in.args)
			name := ""
			if len(f) >= 3 && strings.EqualFold(f[1], "as") {
				name = f[2]
			}
			stageNames = append(stageNames, name)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile: %d stages, want a build stage and a final stage", len(stages))
	}
	img := dockerImage{env: map[string]string{}}

	// The build stage: go.mod's Go, modules in their own layer, the build command.
	build := stages[0]
	from := fields(build[0].args)[0]
	gomod := goLineRe.FindStringSubmatch(readFile(t, filepath.Join(repoRoot, "go.mod")))
	if gomod == nil {
		t.Fatal("go.mod: no go line")
	}
	m := regexp.MustCompile(`^golang:(\d+)\.(\d+)(?:\.(\d+))?(?:[-@]\S*)?$`).FindStringSubmatch(from)
	switch {
	case m == nil:
		errorf("Dockerfile:%d: build stage FROM %s: want golang:%s.%s", build[0].line, from, gomod[1], gomod[2])
	case m[1] != gomod[1] || m[2] != gomod[2]:
		errorf("Dockerfile:%d: FROM %s: Go %s.%s, but go.mod's go line is %s.%s", build[0].line, from, m[1], m[2], gomod[1], gomod[2])
	case m[3] != "" && gomod[3] != "" && atoi(m[3]) < atoi(gomod[3]):
		errorf("Dockerfile:%d: FROM %s: older than go.mod's go %s.%s.%s (the golang image has GOTOOLCHAIN=local)", build[0].line, from, gomod[1], gomod[2], gomod[3])
	}
	pos := func(pred func(instruction) bool) int {
		return slices.IndexFunc(build, pred)
	}
	copyMod := pos(func(in instruction) bool {
		f := fields(in.args)
		return in.cmd == "COPY" && len(f) >= 3 && f[0] == "go.mod" && f[1] == "go.sum"
	})
	download := pos(func(in instruction) bool { return in.cmd == "RUN" && strings.Contains(in.args, "go mod download") })
	copyAll := pos(func(in instruction) bool { return in.cmd == "COPY" && strings.HasPrefix(in.args, ". ") })
	goBuild := pos(func(in instruction) bool { return in.cmd == "RUN" && strings.Contains(in.args, "go build") })
	if copyMod < 0 || download < 0 || copyAll < 0 || !(copyMod < download && download < copyAll) {
		errorf("Dockerfile: the build stage must COPY go.mod go.sum, RUN go mod download, then COPY . (modules in their own cached layer)")
	}
	if goBuild < 0 {
		t.Fatal("Dockerfile: no RUN go build in the build stage")
	}
	buildArgs := fields(build[goBuild].args)
	if !slices.Contains(buildArgs, "CGO_ENABLED=0") {
		errorf("Dockerfile:%d: go build without CGO_ENABLED=0: the binary would not run on distroless/static", build[goBuild].line)
	}
	if !slices.Contains(buildArgs, "./cmd/flowrunner") {
		errorf("Dockerfile:%d: go build does not build ./cmd/flowrunner: %s", build[goBuild].line, build[goBuild].args)
	}
	if goBuild < copyAll {
		errorf("Dockerfile:%d: go build runs before the sources are copied", build[goBuild].line)
	}
	out := ""
	if i := slices.Index(buildArgs, "-o"); i >= 0 && i+1 < len(buildArgs) {
		out = buildArgs[i+1]
	}

	// The final stage: distroless nonroot, the binary, the flows, entry point
	// and command, environment.
	final := stages[len(stages)-1]
	if f := fields(final[0].args)[0]; !strings.HasPrefix(f, "gcr.io/distroless/static") || !strings.Contains(f, ":nonroot") {
		errorf("Dockerfile:%d: final stage FROM %s: want gcr.io/distroless/static-...:nonroot", final[0].line, f)
	}
	binary := ""
	for _, in := range final {
		switch in.cmd {
		case "COPY":
			f := fields(in.args)
			if len(f) == 3 && f[0] == "--from="+stageNames[0] && f[1] == out {
				binary = f[2]
			}
			if len(f) == 2 && strings.TrimSuffix(f[0], "/") == "flows" {
				img.flowsDirs = append(img.flowsDirs, strings.TrimSuffix(f[1], "/"))
			}
		case "ENTRYPOINT":
			var ep []string
			if err := json.Unmarshal([]byte(in.args), &ep); err != nil || len(ep) != 1 || binary == "" || ep[0] != binary {
				errorf("Dockerfile:%d: ENTRYPOINT %s: want [%q], the binary built by go build -o %s and copied from the build stage", in.line, in.args, binary, out)
			}
		case "CMD":
			if err := json.Unmarshal([]byte(in.args), &img.cmd); err != nil {
				errorf("Dockerfile:%d: CMD %s: want the exec (JSON) form: %v", in.line, in.args, err)
			}
		case "ENV":
			for k, v := range parseEnv(in.args) {
				img.env[k] = v
				spec.checkEnvName(k, func(format string, a ...any) {
					errorf("Dockerfile:%d: %s", in.line, fmt.Sprintf(format, a...))
				})
			}
		case "EXPOSE":
			img.expose = append(img.expose, fields(in.args)...)
		}
	}
	cmdErrorf := func(format string, a ...any) { errorf("Dockerfile: CMD: %s", fmt.Sprintf(format, a...)) }
	cfg := serveConfig{spec: spec, args: spec.parseServeArgs(img.cmd, cmdErrorf), env: img.env}
	if flows, _ := cfg.value("flows"); !slices.Contains(img.flowsDirs, flows) {
		errorf("Dockerfile: serve's flows directory %q is not where flows/ is copied (%v)", flows, img.flowsDirs)
	}
	if p := cfg.adminProblem(); p != "" {
		errorf("Dockerfile: the container would not start: %s", p)
	}
	for _, v := range []string{"FLOWRUNNER_ADMIN_TOKEN_FILE", "FLOWRUNNER_ARI_PASSWORD_FILE", "FLOWRUNNER_ARI_CA_FILE"} {
		if img.env[v] != "" {
			errorf("Dockerfile: ENV %s: the image has no such file, so the container would not start unless it is mounted", v)
		}
	}
	listen, _ := cfg.value("admin-listen")
	if !slices.Contains(img.expose, addrPort(listen)) && !slices.Contains(img.expose, addrPort(listen)+"/tcp") {
		errorf("Dockerfile: EXPOSE %v: want the admin port %s", img.expose, addrPort(listen))
	}
	return img
}

// parseEnv parses an ENV instruction: K=V pairs (values optionally quoted)
// or the legacy "K V".
func parseEnv(args string) map[string]string {
	out := map[string]string{}
	f := fields(args)
	if len(f) > 0 && !strings.Contains(f[0], "=") {
		k, v, _ := strings.Cut(args, " ")
		out[k] = strings.TrimSpace(v)
		return out
	}
	for _, kv := range f {
		k, v, _ := strings.Cut(kv, "=")
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		out[k] = v
	}
	return out
}

func TestDockerfile(t *testing.T) {
	checkDockerfile(t, readServeSpec(t), t.Errorf)
}

// ---- Kubernetes manifests ----

type object struct {
	file string
	m    map[string]any
}

func (o object) kind() string { return str(o.m["kind"]) }
func (o object) name() string { return str(get(o.m, "metadata", "name")) }
func (o object) String() string {
	return strings.TrimSpace(fmt.Sprintf("%s: %s %s", path.Join("deploy", manifestsDir, o.file), o.kind(), o.name()))
}

// loadManifests parses every document of every YAML file in kubernetes/.
func loadManifests(t *testing.T) (objs []object, files []string) {
	t.Helper()
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(manifestsDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatalf("no manifests in deploy/%s", manifestsDir)
	}
	for _, f := range files {
		for i, doc := range docSep.Split(readFile(t, f), -1) {
			var m map[string]any
			if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
				t.Errorf("%s: document %d: %v", f, i+1, err)
				continue
			}
			if m == nil {
				continue // empty, or only comments
			}
			if str(m["kind"]) == "" || str(m["apiVersion"]) == "" {
				t.Errorf("%s: document %d: no kind or apiVersion", f, i+1)
				continue
			}
			objs = append(objs, object{file: filepath.Base(f), m: m})
		}
	}
	return objs, files
}

func TestKustomization(t *testing.T) {
	objs, files := loadManifests(t)
	var k *object
	for i := range objs {
		if objs[i].kind() == "Kustomization" {
			k = &objs[i]
		}
	}
	if k == nil {
		t.Fatal("no kustomization.yaml in deploy/kubernetes")
	}
	listed := map[string]bool{}
	for _, r := range slice(k.m["resources"]) {
		name := str(r)
		listed[name] = true
		if _, err := os.Stat(filepath.Join(manifestsDir, name)); err != nil {
			t.Errorf("%s: resource %s: %v", k, name, err)
		}
	}
	for _, f := range files {
		if base := filepath.Base(f); base != k.file && !listed[base] {
			t.Errorf("%s: %s is not in resources", k, base)
		}
	}
	used := map[string]bool{}
	for _, o := range objs {
		if spec := podSpec(o); spec != nil {
			for _, c := range slice(spec["containers"]) {
				used[imageName(str(get(c, "image")))] = true
			}
		}
	}
	for _, img := range slice(k.m["images"]) {
		if name := str(get(img, "name")); !used[name] {
			t.Errorf("%s: images: %s is no container's image", k, name)
		}
	}
}

// TestManifests checks every flowrunner container in deploy/kubernetes
// against serve and the rules of docs/kubernetes.md.
func TestManifests(t *testing.T) {
	spec := readServeSpec(t)
	img := checkDockerfile(t, spec, func(string, ...any) {}) // TestDockerfile reports its problems
	objs, _ := loadManifests(t)
	byKindName := map[string]object{}
	for _, o := range objs {
		byKindName[o.kind()+"/"+o.name()] = o
	}
	type owner struct {
		obj  object
		apps []string // nil: every flow's name
	}
	owners := map[string][]owner{} // ARI URL → the instances using it
	configMaps := map[string]object{}
	workloads := 0
	for _, o := range objs {
		ps := podSpec(o)
		if ps == nil {
			continue
		}
		var containers []map[string]any
		for _, c := range slice(ps["containers"]) {
			if cm, ok := c.(map[string]any); ok && imageName(str(cm["image"])) == "flowrunner" {
				containers = append(containers, cm)
			}
		}
		if len(containers) == 0 {
			continue
		}
		workloads++
		errorf := func(format string, a ...any) {
			t.Helper()
			t.Errorf("%s: %s", o, fmt.Sprintf(format, a...))
		}

		// One instance per Asterisk node, never two at a time.
		switch o.kind() {
		case "StatefulSet":
		case "Deployment":
			if s := str(get(o.m, "spec", "strategy", "type")); s != "Recreate" {
				errorf("strategy %q: a rolling update runs the new pod beside the old one, and they take each other's Stasis applications; use Recreate (or a StatefulSet)", s)
			}
		default:
			errorf("flowrunner runs as a StatefulSet (or a Deployment) with one replica per Asterisk node, not as a %s", o.kind())
		}
		if r, ok := get(o.m, "spec", "replicas").(float64); !ok || r != 1 {
			errorf("replicas %v: want exactly 1; two instances on one Asterisk replace each other's applications (ApplicationReplaced)", get(o.m, "spec", "replicas"))
		}
		if len(containers) > 1 {
			errorf("%d flowrunner containers in one pod: they would register the same applications", len(containers))
		}
		c := containers[0]
		cerrorf := func(format string, a ...any) {
			t.Helper()
			t.Errorf("%s: container %s: %s", o, str(c["name"]), fmt.Sprintf(format, a...))
		}

		// Command line and environment: only what serve has.
		if cmd := slice(c["command"]); c["command"] != nil && (len(cmd) != 1 || str(cmd[0]) != "/flowrunner") {
			cerrorf("command %v: leave it to the image's entry point, /flowrunner", c["command"])
		}
		cfg := serveConfig{spec: spec, env: map[string]string{}, refs: map[string]bool{}}
		if args := slice(c["args"]); args != nil {
			var a []string
			for _, x := range args {
				a = append(a, str(x))
			}
			cfg.args = spec.parseServeArgs(a, cerrorf)
		} else {
			cfg.args = spec.parseServeArgs(img.cmd, cerrorf) // the image's CMD
		}
		if c["envFrom"] != nil {
			cerrorf("envFrom: list serve's variables under env, so they can be checked")
		}
		for _, e := range slice(c["env"]) {
			name := str(get(e, "name"))
			if _, dup := cfg.env[name]; dup || cfg.refs[name] {
				cerrorf("variable %s set twice", name)
			}
			spec.checkEnvName(name, cerrorf)
			if get(e, "valueFrom") != nil {
				cfg.refs[name] = true
			} else {
				cfg.env[name] = str(get(e, "value"))
			}
		}

		// The files serve reads must be in mounted volumes, with the keys they name.
		mounts := map[string]map[string]any{} // mount path → the volume
		volumes := map[string]map[string]any{}
		for _, v := range slice(ps["volumes"]) {
			volumes[str(get(v, "name"))] = v.(map[string]any)
		}
		for _, vm := range slice(c["volumeMounts"]) {
			v, ok := volumes[str(get(vm, "name"))]
			if !ok {
				cerrorf("volumeMount %s: no such volume", str(get(vm, "name")))
				continue
			}
			if sub := str(get(vm, "subPath")); sub != "" {
				v = map[string]any{"subPath": sub}
			}
			mounts[path.Clean(str(get(vm, "mountPath")))] = v
		}
		fileValues := map[string]string{} // flag → the content of its file, when in the manifests
		for _, flag := range []string{"ari-password-file", "admin-token-file", "ari-ca-file"} {
			file, _ := cfg.value(flag)
			if file == "" {
				continue
			}
			vol := mounts[path.Dir(file)]
			if vol == nil {
				cerrorf("--%s %s: not in a mounted volume", flag, file)
				continue
			}
			if content, ok := volumeFile(vol, path.Base(file), byKindName, cerrorf); ok {
				fileValues[flag] = content
			}
		}
		flows, _ := cfg.value("flows")
		switch vol := mounts[path.Clean(flows)]; {
		case vol == nil:
			cerrorf("--flows %s: no volume is mounted there (the whole directory: a ConfigMap)", flows)
		case vol["subPath"] != nil:
			cerrorf("--flows %s: mounted with subPath, which Kubernetes never updates: hot reload would see nothing", flows)
		case get(vol, "configMap") == nil:
			cerrorf("--flows %s: not a ConfigMap volume", flows)
		default:
			name := str(get(vol, "configMap", "name"))
			if cm, ok := byKindName["ConfigMap/"+name]; ok {
				configMaps[name] = cm
			} else {
				cerrorf("--flows: ConfigMap %s is not in the manifests", name)
			}
		}

		// The Asterisk node, and the applications taken on it.
		url, known := cfg.value("ari-url")
		if !cfg.isSet("ari-url") {
			cerrorf("no ARI URL: serve's default %s is the pod itself", url)
		} else if known {
			var apps []string
			if v, _ := cfg.value("apps"); v != "" {
				apps = strings.Split(v, ",")
			}
			owners[url] = append(owners[url], owner{o, apps})
		}
		if !cfg.isSet("ari-user") || (!cfg.isSet("ari-password") && !cfg.isSet("ari-password-file")) {
			cerrorf("no ARI user or password: serve refuses to start")
		}

		// The admin endpoint: reachable by the kubelet, with a token.
		listen, _ := cfg.value("admin-listen")
		if p := cfg.adminProblem(); p != "" {
			cerrorf("%s", p)
		}
		if listen == "" || isLoopback(listen) {
			cerrorf("admin endpoint %q: the kubelet probes the pod's address, so it must listen there (FLOWRUNNER_ADMIN_LISTEN=:9090)", listen)
		}
		adminPort := addrPort(listen)
		ports := map[string]string{} // name → number
		for _, p := range slice(c["ports"]) {
			n := fmt.Sprint(get(p, "containerPort"))
			ports[n] = n
			if name := str(get(p, "name")); name != "" {
				ports[name] = n
			}
		}
		if _, ok := ports[adminPort]; !ok {
			cerrorf("no containerPort %s, the admin port", adminPort)
		}
		for _, p := range []struct{ probe, path string }{{"readinessProbe", "/readyz"}, {"livenessProbe", "/healthz"}} {
			hg, ok := get(c, p.probe, "httpGet").(map[string]any)
			if !ok {
				cerrorf("%s: want httpGet on %s", p.probe, p.path)
				continue
			}
			if got := str(hg["path"]); got != p.path {
				cerrorf("%s: path %q, want %s", p.probe, got, p.path)
			}
			if port := ports[fmt.Sprint(hg["port"])]; port != adminPort {
				cerrorf("%s: port %v is not the admin port %s", p.probe, hg["port"], adminPort)
			}
			// The health checks answer without the token; a token in a
			// probe header would sit in clear in the pod spec.
			for _, h := range slice(hg["httpHeaders"]) {
				if strings.EqualFold(str(get(h, "name")), "Authorization") {
					cerrorf("%s: carries an Authorization header: /healthz and /readyz need no token, and the pod spec would show it", p.probe)
				}
			}
		}

		// The drain must end before the kubelet's SIGKILL.
		drainFlag, _ := cfg.value("drain-timeout")
		drain, err := time.ParseDuration(drainFlag)
		if err != nil {
			cerrorf("--drain-timeout %q: %v", drainFlag, err)
		}
		grace, ok := ps["terminationGracePeriodSeconds"].(float64)
		if !ok {
			errorf("no terminationGracePeriodSeconds: Kubernetes' default (30 s) cuts the drain short")
		} else if g := time.Duration(grace) * time.Second; g <= drain || g < drain+sweepBound {
			errorf("terminationGracePeriodSeconds %v: must outlast --drain-timeout %s and the sweep after it (%s), or the kubelet kills serve while it hands calls back", grace, drain, sweepBound)
		}

		// Prometheus' annotations, if any, point at the admin endpoint.
		ann, _ := get(o.m, "spec", "template", "metadata", "annotations").(map[string]any)
		if str(ann["prometheus.io/scrape"]) == "true" {
			if p := str(ann["prometheus.io/port"]); p != adminPort {
				errorf("prometheus.io/port %q: the admin port is %s", p, adminPort)
			}
			if p := str(ann["prometheus.io/path"]); p != "" && p != "/metrics" {
				errorf("prometheus.io/path %q: metrics are at /metrics", p)
			}
		}
	}
	if workloads == 0 {
		t.Fatal("no workload runs the flowrunner image in deploy/kubernetes")
	}

	// No two instances on one Asterisk node with the same applications.
	for url, insts := range owners {
		for i := range insts {
			for j := i + 1; j < len(insts); j++ {
				a, b := insts[i], insts[j]
				if a.apps == nil || b.apps == nil || slices.ContainsFunc(a.apps, func(s string) bool { return slices.Contains(b.apps, s) }) {
					t.Errorf("%s and %s both serve %s with the same Stasis applications: they would take them from each other", a.obj, b.obj, url)
				}
			}
		}
	}

	// The flows load, as serve loads them.
	for name, cm := range configMaps {
		checkFlows(t, cm, name)
	}
}

// volumeFile returns the content of file name in vol, if vol is a Secret or
// ConfigMap of the manifests (reporting a missing key), and whether it could.
func volumeFile(vol map[string]any, name string, objs map[string]object, errorf func(string, ...any)) (string, bool) {
	kind, ref, field := "Secret", str(get(vol, "secret", "secretName")), "secret"
	if ref == "" {
		kind, ref, field = "ConfigMap", str(get(vol, "configMap", "name")), "configMap"
	}
	if ref == "" {
		return "", false // another kind of volume: nothing to check
	}
	key := name
	if items := slice(get(vol, field, "items")); items != nil {
		key = ""
		for _, it := range items {
			if str(get(it, "path")) == name {
				key = str(get(it, "key"))
			}
		}
		if key == "" {
			errorf("%s %s: its items make no file %s", kind, ref, name)
			return "", false
		}
	}
	o, ok := objs[kind+"/"+ref]
	if !ok {
		return "", false // created outside these manifests
	}
	if v, ok := get(o.m, "stringData", key).(string); ok {
		return v, true
	}
	if v, ok := get(o.m, "data", key).(string); ok {
		if kind == "ConfigMap" {
			return v, true
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			errorf("%s: data %s: %v", o, key, err)
			return "", false
		}
		return string(b), true
	}
	errorf("%s %s has no key %s", kind, ref, key)
	return "", false
}

// checkFlows loads the flows of a ConfigMap with serve's loader.
func checkFlows(t *testing.T, cm object, name string) {
	t.Helper()
	dir := t.TempDir()
	for key, v := range mapOf(cm.m["data"]) {
		if err := os.WriteFile(filepath.Join(dir, key), []byte(str(v)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := engine.FlowFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Errorf("%s: no flow file (*.yaml) in data: serve would not start", cm)
		return
	}
	if _, diags := engine.LoadFiles(files); diags.HasErrors() {
		t.Errorf("%s: flows serve would reject:\n%s", cm, strings.ReplaceAll(diags.Error(), dir+string(filepath.Separator), "ConfigMap "+name+": "))
	}
}

// podSpec returns the pod spec of a workload, or nil.
func podSpec(o object) map[string]any {
	var v any
	switch o.kind() {
	case "Pod":
		v = get(o.m, "spec")
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		v = get(o.m, "spec", "template", "spec")
	case "CronJob":
		v = get(o.m, "spec", "jobTemplate", "spec", "template", "spec")
	}
	m, _ := v.(map[string]any)
	return m
}

// imageName is an image reference without registry, tag or digest.
func imageName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	ref, _, _ = strings.Cut(ref, ":")
	return ref
}

// ---- helpers ----

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func slice(v any) []any { s, _ := v.([]any); return s }

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }

func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func fields(s string) []string { return strings.Fields(s) }

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
