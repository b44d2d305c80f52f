package deploy

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

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
		case "HEALTHCHECK":
			// HEALTHCHECK [--option=value ...] CMD ["/flowrunner", "healthcheck", ...]
			_, cmd, _ := strings.Cut(in.args, "CMD ")
			var hc []string
			if err := json.Unmarshal([]byte(cmd), &hc); err != nil || len(hc) < 2 || hc[0] != binary || hc[1] != "healthcheck" {
				errorf("Dockerfile:%d: HEALTHCHECK %s: want CMD [%q, \"healthcheck\"] (no shell or curl in the image)", in.line, in.args, binary)
			}
			if !strings.Contains(readFile(t, filepath.Join(repoRoot, "cmd", "flowrunner", "main.go")), `{"healthcheck",`) {
				errorf("Dockerfile:%d: HEALTHCHECK runs flowrunner healthcheck, which cmd/flowrunner/main.go does not list", in.line)
			}
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
