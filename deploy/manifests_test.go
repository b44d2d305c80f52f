package deploy

import (
	"encoding/base64"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
	"sigs.k8s.io/yaml"
)

// object is one Kubernetes object of a manifest file.
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
