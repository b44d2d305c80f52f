package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The node config corpus: testdata/config/good/*.yaml parse with no
// diagnostic; each testdata/config/bad/*.yaml has `# want: line:col: text`
// lines (as the flow corpus, see corpus_test.go), and every diagnostic it
// produces must be wanted. The CLI's test runs the same files through
// `flowrunner validate --config`.

func configCorpus(t testing.TB, dir string) []string {
	t.Helper()
	return yamlFiles(t, filepath.Join("testdata", "config", dir))
}

func TestConfigGood(t *testing.T) {
	files := append(configCorpus(t, "good"), filepath.Join("..", "docs", "examples", "nodes.yaml"))
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cfg, diags := ParseConfigFile(path)
			if len(diags) > 0 || cfg == nil {
				t.Fatalf("want no diagnostics, got:\n%s", diags.Error())
			}
			if len(cfg.Nodes) == 0 || cfg.File != path {
				t.Fatalf("config %+v", cfg)
			}
			for _, n := range cfg.Nodes {
				if n.Name.Value == "" || n.URL.Value == "" || n.Username.Value == "" || !n.Name.Pos.IsValid() {
					t.Errorf("node %+v", n)
				}
				set := 0
				for _, s := range []Str{n.Password, n.PasswordFile, n.PasswordEnv} {
					if s.Value != "" {
						set++
					}
				}
				if set != 1 {
					t.Errorf("%s: %d password settings", n.Label(), set)
				}
			}
		})
	}
}

func TestConfigBad(t *testing.T) {
	for _, path := range configCorpus(t, "bad") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			wants := readWants(t, path)
			cfg, diags := ParseConfigFile(path)
			if diags.HasErrors() != (cfg == nil) {
				t.Errorf("config %v with diagnostics:\n%s", cfg, diags.Error())
			}
			checkWants(t, path, diags, wants, nil)
		})
	}
}

// TestConfigDecode checks what a good file decodes to.
func TestConfigDecode(t *testing.T) {
	cfg, diags := ParseConfigFile(filepath.Join("testdata", "config", "good", "several-nodes.yaml"))
	if len(diags) > 0 {
		t.Fatal(diags.Error())
	}
	if len(cfg.Nodes) != 3 {
		t.Fatalf("%d nodes", len(cfg.Nodes))
	}
	a, b := cfg.Nodes[0], cfg.Nodes[1]
	if a.Name.Value != "ast1" || a.Name.Pos != (Pos{3, 11}) || a.URL.Value != "http://10.0.0.11:8088/ari" ||
		a.Username.Value != "flowrunner" || a.PasswordFile.Value != "secrets/ast1-ari" || a.PasswordEnv.Value != "" ||
		len(a.Apps) != 2 || a.Apps[1].Value != "ivr" || a.Apps[1].Pos != (Pos{7, 25}) {
		t.Errorf("ast1: %+v", a)
	}
	if b.Apps != nil || b.PasswordEnv.Value != "AST2_ARI_PASSWORD" || b.CAFile.Value != "/etc/flowrunner/ast2-ca.pem" {
		t.Errorf("ast2: %+v", b)
	}
}

// TestConfigSecretsNeverQuoted: a url with credentials is refused without
// repeating it.
func TestConfigSecretsNeverQuoted(t *testing.T) {
	for _, u := range []string{"http://admin:hunter2@h:8088/ari", "ftp://admin:hunter2@h/ari", "http://h:8088/ari?p=hunter2", "http://[hunter2"} {
		src := "nodes:\n  - name: a\n    url: " + u + "\n    username: u\n    password_env: P\n"
		_, diags := ParseConfig("c.yaml", []byte(src))
		if !diags.HasErrors() || strings.Contains(diags.Error(), "hunter2") {
			t.Errorf("url %s:\n%s", u, diags.Error())
		}
	}
}

// TestConfigSchemaMatchesDecoder keeps config.schema.json and the decoder's
// keys in step.
func TestConfigSchemaMatchesDecoder(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(ConfigSchemaJSON, &root); err != nil {
		t.Fatal(err)
	}
	if root["$id"] != ConfigSchemaID || root["additionalProperties"] != false {
		t.Errorf("$id %v, additionalProperties %v", root["$id"], root["additionalProperties"])
	}
	node := root["$defs"].(map[string]any)["node"].(map[string]any)
	if got := propertyNames(root); !slices.Equal(got, configFields) {
		t.Errorf("top level: schema has %v, decoder %v", got, configFields)
	}
	if got := propertyNames(node); !slices.Equal(got, nodeFields) {
		t.Errorf("node: schema has %v, decoder %v", got, nodeFields)
	}
	for name, p := range node["properties"].(map[string]any) {
		if p.(map[string]any)["description"] == nil {
			t.Errorf("node property %s has no description", name)
		}
	}
	if _, err := configSchema(); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseConfig: ParseConfig never panics, a nil Config always comes with
// an error (and a Config with none), and diagnostics are well formed.
func FuzzParseConfig(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		for _, path := range configCorpus(f, dir) {
			src, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Add([]byte("nodes:\n  - {name: a, url: 'http://h/ari', username: u, password: p, apps: [x, x]}\n  - {name: a, url: 'http://H/ari/', username: u, password_env: P}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		cfg, diags := ParseConfig("f.yaml", src)
		if took := time.Since(start); took > maxTime {
			t.Fatalf("ParseConfig took %v on %d bytes", took, len(src))
		}
		if (cfg == nil) != diags.HasErrors() {
			t.Fatalf("config %v, diagnostics:\n%s", cfg, diags.Error())
		}
		checkDiags(t, src, diags)
		if cfg != nil {
			names := map[string]bool{}
			for _, n := range cfg.Nodes {
				if names[n.Name.Value] || n.Name.Value == "" || n.URL.Value == "" {
					t.Fatalf("accepted node %+v", n)
				}
				names[n.Name.Value] = true
			}
		}
	})
}
