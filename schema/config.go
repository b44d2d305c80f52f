package schema

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	yaml "go.yaml.in/yaml/v3"
)

// ConfigSchemaJSON is config.schema.json, the JSON Schema (2020-12) of a node
// config file (`flowrunner serve --config FILE`), as `flowrunner schema
// --config` prints it. Read-only.
//
//go:embed config.schema.json
var ConfigSchemaJSON []byte

// ConfigSchemaID is the $id of ConfigSchemaJSON.
const ConfigSchemaID = "https://flowrunner.dev/schema/config.schema.json"

var configSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ConfigSchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(ConfigSchemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(ConfigSchemaID)
})

// Config is a node config file: the Asterisk nodes one `flowrunner serve`
// serves. It is immutable once ParseConfig has returned it.
type Config struct {
	File  string
	Nodes []*NodeConfig
}

// NodeConfig is one Asterisk node of a Config. Secrets are not read here:
// PasswordFile and PasswordEnv say where the password is, and serve reads it
// when it starts. Exactly one of Password, PasswordFile and PasswordEnv is
// set; relative PasswordFile and CAFile paths are relative to the config
// file's directory.
type NodeConfig struct {
	Pos          Pos // the node's entry in the file
	Name         Str // [a-z0-9-], unique in the file
	URL          Str // the ARI base URL, http or https
	Username     Str
	Password     Str // a password written in the file (validate warns)
	PasswordFile Str
	PasswordEnv  Str
	CAFile       Str   // "" for the system's roots
	Apps         []Str // nil: one application per flow, named after it

	index int // in the file, from 0
}

// Label names the node in messages: node "ast1", or node #2 (its place in
// the file) when it has no name.
func (n *NodeConfig) Label() string {
	if n.Name.Value == "" {
		return fmt.Sprintf("node #%d", n.index+1)
	}
	return fmt.Sprintf("node %q", n.Name.Value)
}

// The keys of the config file, which config.schema.json lists too
// (TestConfigSchemaMatchesDecoder).
var (
	configFields = []string{"nodes"}
	nodeFields   = []string{"apps", "ca_file", "name", "password", "password_env", "password_file", "url", "username"}
)

// configKind words the YAML messages for node config files.
var configKind = &fileKind{
	files: "node config files",
	empty: "a node config needs nodes: with at least one node",
	one:   "a node config file holds one config",
	root:  "a node config file must be a mapping (nodes: ...)",
}

// ParseConfigFile reads and parses the node config file at path (see
// ParseConfig).
func ParseConfigFile(path string) (*Config, Diagnostics) {
	src, d := readFile(path, "node config file")
	if d != nil {
		return nil, Diagnostics{*d}
	}
	return ParseConfig(path, src)
}

// ParseConfig reads a node config file and checks all of it: the YAML as
// Parse checks a flow's (size, one document, duplicate keys, no anchors,
// aliases or custom tags), then config.schema.json, then the rules a schema
// cannot state:
//
//   - node names are unique;
//   - a node's url parses, without credentials, query or fragment;
//   - a node's applications are not listed twice, and two nodes with the same
//     url do not register the same application (Asterisk keeps one
//     connection per application, so they would replace each other's); two
//     nodes with the same url must both list their apps;
//   - warnings: a password written in the file, a ca_file with an http url.
//
// Every problem is a diagnostic at its file:line:col, naming the node
// (node "ast2": ...), sorted by position. The Config is nil when there are
// errors (warnings allowed). Secrets are not read. ParseConfig never panics
// and is safe for concurrent use.
func ParseConfig(file string, src []byte) (*Config, Diagnostics) {
	p := &parser{file: file, src: src, dups: map[*yaml.Node]bool{}, kind: configKind}
	if len(src) > MaxFileSize {
		p.errorf(Pos{}, "file is larger than %s, the limit for a node config file", formatSize(MaxFileSize))
		return nil, p.finish(nil)
	}
	root := p.decodeYAML()
	if root == nil {
		return nil, p.finish(nil)
	}
	p.check(root, stepRef{})
	if p.aliases > 0 {
		p.errorf(p.aliasPos, "YAML anchors and aliases (&name, *name) are not supported in node config files; write the value out")
		return nil, p.finish(nil)
	}
	c := &configChecker{p: p, root: root}
	c.cfg = decodeConfig(file, root, p.dups)
	c.checkSchema()
	c.checkRules()
	c.merge()
	diags := p.finish(nil)
	if diags.HasErrors() {
		return nil, diags
	}
	return c.cfg, diags
}

// decodeConfig decodes the tree leniently: a value of the wrong type is left
// empty (the schema reports it).
func decodeConfig(file string, root *yaml.Node, dups map[*yaml.Node]bool) *Config {
	cfg := &Config{File: file}
	eachConfigKey(root, dups, func(k string, v *yaml.Node) {
		if k != "nodes" || v.Kind != yaml.SequenceNode {
			return
		}
		for _, item := range v.Content {
			n := &NodeConfig{Pos: pos(item), index: len(cfg.Nodes)}
			cfg.Nodes = append(cfg.Nodes, n)
			eachConfigKey(item, dups, func(k string, v *yaml.Node) {
				s := Str{Pos: contentPos(v)}
				if text, ok := str(v); ok {
					s.Value = text
				}
				switch k {
				case "name":
					n.Name = s
				case "url":
					n.URL = s
				case "username":
					n.Username = s
				case "password":
					n.Password = s
				case "password_file":
					n.PasswordFile = s
				case "password_env":
					n.PasswordEnv = s
				case "ca_file":
					n.CAFile = s
				case "apps":
					if v.Kind != yaml.SequenceNode {
						return
					}
					n.Apps = []Str{}
					for _, a := range v.Content {
						app := Str{Pos: contentPos(a)}
						app.Value, _ = str(a)
						n.Apps = append(n.Apps, app)
					}
				}
			})
		}
	})
	return cfg
}

// eachConfigKey calls fn for each pair of mapping n, first occurrences only.
func eachConfigKey(n *yaml.Node, dups map[*yaml.Node]bool, fn func(k string, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && !dups[k] {
			fn(k.Value, n.Content[i+1])
		}
	}
}

// configChecker collects the schema and rule diagnostics of one ParseConfig.
type configChecker struct {
	p      *parser
	root   *yaml.Node
	cfg    *Config
	schema Diagnostics
	rules  Diagnostics
}

// merge adds the diagnostics to the parser's: a rule diagnostic at a position
// the schema already reported is dropped, as Validate does for flows.
func (c *configChecker) merge() {
	atSchema := map[Pos]bool{}
	for _, d := range c.schema {
		atSchema[d.Pos] = true
		c.p.errorf(d.Pos, "%s", d.Msg)
	}
	for _, d := range c.rules {
		if atSchema[d.Pos] {
			continue
		}
		c.p.diags = append(c.p.diags, d)
		c.p.in = append(c.p.in, stepRef{})
	}
}

// nodeLabel names node i (0-based) in messages: node "ast1", or node #2 when
// it has no usable name.
func (c *configChecker) nodeLabel(i int) string {
	if i < len(c.cfg.Nodes) {
		return c.cfg.Nodes[i].Label()
	}
	return fmt.Sprintf("node #%d", i+1)
}

func (c *configChecker) schemaErr(prefix string, at Pos, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if prefix != "" {
		msg = prefix + ": " + msg
	}
	c.schema = append(c.schema, Diagnostic{Pos: at, Severity: SeverityError, Msg: msg})
}

func (c *configChecker) ruleDiag(sev Severity, n *NodeConfig, at Pos, format string, args ...any) {
	c.rules = append(c.rules, Diagnostic{Pos: at, Severity: sev, Msg: n.Label() + ": " + fmt.Sprintf(format, args...)})
}

// checkSchema validates the tree against config.schema.json and words each
// error for the file's author.
func (c *configChecker) checkSchema() {
	sch, err := configSchema()
	if err != nil {
		c.schemaErr("", Pos{}, "internal error: the config schema does not compile: %v", err)
		return
	}
	var ve *jsonschema.ValidationError
	if !errors.As(sch.Validate(toJSON(c.root, c.p.dups)), &ve) {
		return
	}
	for _, e := range leaves(ve, nil) {
		c.schemaLeaf(e)
	}
}

func (c *configChecker) schemaLeaf(e *jsonschema.ValidationError) {
	loc := e.InstanceLocation
	n := lookup(c.root, loc, c.p.dups)
	at := contentPos(n)
	// Where the error is: the top level, a node (loc nodes/i), or a key of a
	// node (nodes/i/key...).
	prefix, key := "", ""
	isNode := false
	if len(loc) >= 2 && loc[0] == "nodes" {
		if i, err := strconv.Atoi(loc[1]); err == nil {
			prefix = c.nodeLabel(i)
			isNode = len(loc) == 2
			if len(loc) >= 3 {
				key = loc[2]
			}
		}
	}
	what := subject(loc, "config")
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		allowed, where := configFields, "at the top level"
		if prefix != "" {
			allowed, where = nodeFields, "in a node"
		}
		for _, name := range k.Properties {
			kp := pos(keyNode(n, name, c.p.dups))
			if s := closest(name, allowed); s != "" {
				c.schemaErr(prefix, kp, "unknown key %q %s; did you mean %q?", name, where, s)
			} else {
				c.schemaErr(prefix, kp, "unknown key %q %s; expected %s", name, where, orList(allowed))
			}
		}
	case *kind.Required:
		for _, name := range k.Missing {
			switch {
			case prefix == "":
				c.schemaErr("", at, "the file has no %q; list the Asterisk nodes under nodes:", name)
			case name == "name":
				c.schemaErr(prefix, at, `no "name"; give the node one, e.g. name: ast1 (it labels the node's metrics and logs)`)
			case name == "url":
				c.schemaErr(prefix, at, `no "url"; give the node's ARI base URL, e.g. url: http://10.0.0.11:8088/ari`)
			case name == "username":
				c.schemaErr(prefix, at, `no "username"; give the ARI user from the node's ari.conf`)
			default:
				c.schemaErr(prefix, at, "no %q", name)
			}
		}
	case *kind.OneOf:
		if !isNode || n.Kind != yaml.MappingNode {
			return // the type error says it
		}
		if len(k.Subschemas) == 0 {
			c.schemaErr(prefix, at, "no password; set password_file (a file holding it) or password_env (an environment variable holding it)")
			return
		}
		var set []string
		second := at
		for _, name := range []string{"password_file", "password_env", "password"} {
			if kn := keyNode(n, name, c.p.dups); kn != n {
				if set = append(set, name); len(set) == 2 {
					second = pos(kn)
				}
			}
		}
		c.schemaErr(prefix, second, "set one of %s, not %s", orList([]string{"password_file", "password_env", "password"}), andList(set))
	case *kind.Type:
		switch {
		case isNode:
			c.schemaErr("", at, "a node must be a mapping (name:, url:, username:, ...), not %s", describe(n))
		case len(loc) == 0:
			c.schemaErr("", at, "a node config file must be a mapping (nodes: ...), not %s", describe(n))
		default:
			c.schemaErr(prefix, at, "%s", typeMsg("config", what, n, k.Want))
		}
	case *kind.Pattern:
		switch {
		case key == "name":
			c.schemaErr(prefix, at, "%q is not a valid node name: use lowercase letters, digits and -, at most 63, not starting or ending with -", k.Got)
		case key == "url":
			// Not quoted: a URL may hold credentials.
			c.schemaErr(prefix, at, "the url must start with http:// or https://, e.g. http://10.0.0.11:8088/ari")
		case key == "password_env":
			c.schemaErr(prefix, at, "%q is not an environment variable name: use letters, digits and _, not starting with a digit", k.Got)
		case key == "apps":
			c.schemaErr(prefix, at, "application name %q has a character Asterisk treats as a separator (comma, space, /, ?, #, &)", k.Got)
		default:
			c.schemaErr(prefix, at, "%s: %s", what, e.ErrorKind.LocalizedString(printer))
		}
	case *kind.MinItems:
		if key == "apps" {
			c.schemaErr(prefix, at, `"apps" is empty; leave it out to register one application per flow`)
		} else {
			c.schemaErr(prefix, at, `"nodes" is empty; list at least one Asterisk node`)
		}
	case *kind.MinLength:
		c.schemaErr(prefix, at, "%s is empty", what)
	default:
		c.schemaErr(prefix, at, "%s: %s", what, e.ErrorKind.LocalizedString(printer))
	}
}

// checkRules runs the checks the schema cannot state.
func (c *configChecker) checkRules() {
	names := map[string]*NodeConfig{}
	type urlNode struct {
		node *NodeConfig
		key  string
	}
	var byURL []urlNode
	for _, n := range c.cfg.Nodes {
		if n.Name.Value != "" {
			if first := names[n.Name.Value]; first != nil {
				c.ruleDiag(SeverityError, n, n.Name.Pos, "duplicate node name (first at line %d); each node needs its own name", first.Name.Pos.Line)
			} else {
				names[n.Name.Value] = n
			}
		}
		seen := map[string]Str{}
		for _, app := range n.Apps {
			if app.Value == "" {
				continue
			}
			if first, ok := seen[app.Value]; ok {
				c.ruleDiag(SeverityError, n, app.Pos, "application %q is listed twice (first at line %d)", app.Value, first.Pos.Line)
			}
			seen[app.Value] = app
		}
		if n.Password.Value != "" {
			c.ruleDiag(SeverityWarning, n, n.Password.Pos, "the ARI password is written in this file; prefer password_file or password_env")
		}
		if n.URL.Value == "" {
			continue
		}
		key, problem := urlKey(n.URL.Value)
		if problem != "" {
			c.ruleDiag(SeverityError, n, n.URL.Pos, "%s", problem)
			continue
		}
		if n.CAFile.Value != "" && !strings.HasPrefix(key, "https://") {
			c.ruleDiag(SeverityWarning, n, n.CAFile.Pos, "ca_file is used only with an https url; this node's url is http")
		}
		for _, other := range byURL {
			if other.key == key {
				c.checkSameURL(other.node, n)
			}
		}
		byURL = append(byURL, urlNode{n, key})
	}
}

// checkSameURL reports the applications that two nodes with the same url
// (first before n in the file) would both register.
func (c *configChecker) checkSameURL(first, n *NodeConfig) {
	if first.Apps == nil || n.Apps == nil {
		c.ruleDiag(SeverityError, n, n.URL.Pos,
			"same url as %s (line %d), and %s registers one application per flow, as the other would: the two connections would replace each other's; list different apps for each",
			first.Label(), first.Pos.Line, whichDefaults(first, n))
		return
	}
	mine := map[string]bool{}
	for _, a := range first.Apps {
		mine[a.Value] = true
	}
	for _, a := range n.Apps {
		if a.Value != "" && mine[a.Value] {
			c.ruleDiag(SeverityError, n, a.Pos,
				"application %q is also registered by %s (line %d) on the same url: Asterisk keeps one connection per application, so the two would replace each other's",
				a.Value, first.Label(), first.Pos.Line)
		}
	}
}

func whichDefaults(first, n *NodeConfig) string {
	switch {
	case first.Apps == nil && n.Apps == nil:
		return "each node"
	case n.Apps == nil:
		return "this node"
	}
	return "that node"
}

// urlKey returns a url as a comparable key (scheme and host lowercased, no
// trailing slash), or a problem with it. Problems never quote the url, which
// may hold credentials.
func urlKey(raw string) (string, string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", "the url is not a valid URL; write it like http://10.0.0.11:8088/ari"
	case u.User != nil:
		return "", "the url must not hold credentials; set username and password_file instead"
	case u.Scheme != "http" && u.Scheme != "https": // Parse lowercases it
		return "", "the url must start with http:// or https://, e.g. http://10.0.0.11:8088/ari"
	case u.Hostname() == "":
		return "", "the url has no host; write it like http://10.0.0.11:8088/ari"
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
		return "", "the url must not have a query or fragment; write it like http://10.0.0.11:8088/ari"
	}
	return u.Scheme + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/"), ""
}
