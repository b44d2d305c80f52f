package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	yaml "go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest flow file Parse accepts: 1 MiB. Real flows are a
// few KiB; the limit bounds the work a hostile or mistaken file can cause.
const MaxFileSize = 1 << 20

// Parse reads one flow file: YAML into a node tree (once), checks of what YAML
// allows but flows do not, then a lenient decode into a typed Document that
// keeps the position of every node.
//
// Parse reports problems of the file as YAML: size over MaxFileSize, empty
// file, malformed YAML (tabs in indentation included), more than one document,
// a root that is not a mapping, duplicate keys, keys that are not plain
// scalars, anchors and aliases, and custom tags. It leaves shapes, keys and
// values to Validate, which must run before a Document is compiled.
//
// The Document is nil when there is nothing to validate (the YAML could not be
// read, or holds anchors or aliases); otherwise it is returned even alongside
// errors, so a caller can also run Validate and report every problem at once.
//
// Anchors and aliases are rejected outright rather than expanded: flows have no
// use for them, and rejecting them makes alias bombs ("billion laughs") cost
// no more than reading the file.
func Parse(file string, src []byte) (*Document, Diagnostics) {
	p := &parser{file: file, src: src, dups: map[*yaml.Node]bool{}}
	if len(src) > MaxFileSize {
		p.errorf(Pos{}, "file is larger than %s, the limit for a flow file", formatSize(MaxFileSize))
		return nil, p.finish(nil)
	}
	root := p.decodeYAML()
	if root == nil {
		return nil, p.finish(nil)
	}
	p.checkRoot(root)
	doc := &Document{File: file, Pos: pos(root), root: root, dups: p.dups}
	d := decoder{doc: doc, dups: p.dups}
	d.flow(root)
	if p.aliases > 0 {
		p.errorf(p.aliasPos, "YAML anchors and aliases (&name, *name) are not supported in flow files; write the value out%s",
			plural(p.aliases, "", " (%d found)"))
		return nil, p.finish(doc)
	}
	return doc, p.finish(doc)
}

// ParseFile reads and parses the flow file at path (see ReadFile).
func ParseFile(path string) (*Document, Diagnostics) {
	src, d := ReadFile(path)
	if d != nil {
		return nil, Diagnostics{*d}
	}
	return Parse(path, src)
}

// ReadFile reads a flow file, reading at most MaxFileSize+1 bytes so an
// oversized file fails fast. A problem comes back as a diagnostic for path.
func ReadFile(path string) ([]byte, *Diagnostic) { return readFile(path, "flow file") }

// readFile is ReadFile for a kind of file (noun: "flow file").
func readFile(path, noun string) ([]byte, *Diagnostic) {
	f, err := os.Open(path)
	if err != nil {
		d := ioDiag(path, noun, err)
		return nil, &d
	}
	defer f.Close()
	tooBig := func(size string) *Diagnostic {
		return &Diagnostic{File: path, Msg: fmt.Sprintf("file is %s; a %s may be at most %s", size, noun, formatSize(MaxFileSize))}
	}
	if fi, err := f.Stat(); err == nil {
		if fi.IsDir() {
			return nil, &Diagnostic{File: path, Msg: "is a directory, not a " + noun}
		}
		if fi.Mode().IsRegular() && fi.Size() > MaxFileSize {
			return nil, tooBig(formatSize(fi.Size()))
		}
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		d := ioDiag(path, noun, err)
		return nil, &d
	}
	if len(src) > MaxFileSize {
		return nil, tooBig("over " + formatSize(MaxFileSize))
	}
	return src, nil
}

func ioDiag(path, noun string, err error) Diagnostic {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return Diagnostic{File: path, Msg: "cannot read " + noun + ": " + err.Error()}
}

// fileKind words the messages about the file as YAML for the kind of file
// read: flow files (the default) or node config files.
type fileKind struct {
	files string // the kind, plural: "flow files"
	empty string // what an empty file lacks
	one   string // what a file holds exactly one of
	root  string // what the root must be
}

var flowFileKind = &fileKind{
	files: "flow files",
	empty: "a flow needs at least name: and steps:",
	one:   "a flow file holds exactly one flow",
	root:  "a flow file must be a mapping (name:, steps:, ...)",
}

// parser collects the diagnostics of Parse. Each diagnostic remembers the step
// it is in, labelled once the document is decoded.
type parser struct {
	file     string
	src      []byte
	diags    Diagnostics
	in       []stepRef // parallel to diags
	dups     map[*yaml.Node]bool
	aliases  int       // anchors and aliases found
	aliasPos Pos       // the first of them
	starts   []int     // where each line starts, once needed (see lineText)
	kind     *fileKind // nil: flowFileKind
}

// fileKind returns the kind of file p reads.
func (p *parser) fileKind() *fileKind {
	if p.kind == nil {
		return flowFileKind
	}
	return p.kind
}

type stepRef struct {
	sec   Section // "" when not inside a step
	index int
}

func (p *parser) errorf(at Pos, format string, args ...any) {
	p.errorIn(stepRef{}, at, format, args...)
}

func (p *parser) errorIn(ref stepRef, at Pos, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{Pos: at, Severity: SeverityError, Msg: fmt.Sprintf(format, args...)})
	p.in = append(p.in, ref)
}

// finish fills in file, flow and step of every diagnostic and sorts them.
func (p *parser) finish(doc *Document) Diagnostics {
	for i := range p.diags {
		d := &p.diags[i]
		d.File = p.file
		if doc == nil {
			continue
		}
		d.Flow = doc.Name.Value
		if ref := p.in[i]; ref.sec != "" {
			if st := doc.step(ref.sec, ref.index); st != nil {
				d.Step = st.Label()
			}
		}
	}
	p.diags.Sort()
	return p.diags
}

// decodeYAML parses the source into a node tree and returns its root, which
// is a mapping, or nil after reporting why there is none.
func (p *parser) decodeYAML() (root *yaml.Node) {
	defer func() {
		// The YAML library turns its own failures into errors; anything else
		// is a bug in it, and must not take the process down.
		if r := recover(); r != nil {
			p.errorf(Pos{}, "the YAML parser failed on this file: %v", r)
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(p.src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(Pos{}, "the file is empty; %s", p.fileKind().empty)
		} else {
			p.yamlError(err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.yamlError(err)
		return nil
	default:
		p.errorf(pos(&extra), "a second YAML document (after ---); %s", p.fileKind().one)
	}
	if len(doc.Content) == 0 {
		p.errorf(Pos{}, "the file is empty; %s", p.fileKind().empty)
		return nil
	}
	root = doc.Content[0]
	switch {
	case root.Kind == yaml.MappingNode:
		return root
	case root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null":
		p.errorf(pos(root), "the file is empty; %s", p.fileKind().empty)
	default:
		p.errorf(pos(root), "%s, not %s", p.fileKind().root, describe(root))
	}
	return nil
}

// checkRoot checks the whole tree for what YAML allows and flows do not,
// noting which step each problem is in.
func (p *parser) checkRoot(root *yaml.Node) {
	p.checkAnchor(root)
	p.checkMapping(root, stepRef{}, func(k, v *yaml.Node) {
		sec := Section(k.Value)
		if !p.dups[k] && (sec == SectionSteps || sec == SectionOnHangup || sec == SectionOnError) && v.Kind == yaml.SequenceNode {
			p.checkAnchor(v)
			for i, item := range v.Content {
				p.check(item, stepRef{sec, i})
			}
			return
		}
		p.check(v, stepRef{})
	})
}

func (p *parser) check(n *yaml.Node, ref stepRef) {
	if !p.checkAnchor(n) {
		return
	}
	if n.Style&yaml.TaggedStyle != 0 && !standardTags[n.Tag] {
		p.errorIn(ref, pos(n), "YAML tag %s is not supported in %s", n.Tag, p.fileKind().files)
	}
	switch n.Kind {
	case yaml.MappingNode:
		p.checkMapping(n, ref, func(_, v *yaml.Node) { p.check(v, ref) })
	case yaml.SequenceNode:
		for _, item := range n.Content {
			p.check(item, ref)
		}
	}
}

// checkAnchor counts anchors and aliases; it returns false for an alias, whose
// target must not be walked again.
func (p *parser) checkAnchor(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		if p.aliases == 0 {
			p.aliasPos = pos(n)
		}
		p.aliases++
	}
	return n.Kind != yaml.AliasNode
}

// checkMapping checks the keys of mapping n, marks repeated keys in p.dups and
// calls fn for each pair.
func (p *parser) checkMapping(n *yaml.Node, ref stepRef, fn func(k, v *yaml.Node)) {
	var seen map[string]*yaml.Node
	if len(n.Content) > 16 {
		seen = make(map[string]*yaml.Node, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !p.checkAnchor(k) {
			continue
		}
		switch {
		case k.Kind != yaml.ScalarNode:
			p.errorIn(ref, pos(k), "a key must be a plain word, not %s", describe(k))
		case k.ShortTag() == "!!merge":
			p.errorIn(ref, pos(k), "merge keys (<<) are not supported in %s; write the keys out", p.fileKind().files)
		default:
			if first := findKey(n, i, k.Value, seen); first != nil {
				p.dups[k] = true
				p.errorIn(ref, pos(k), "duplicate key %q (first at line %d); a key may appear once", k.Value, first.Line)
			} else if seen != nil {
				seen[k.Value] = k
			}
		}
		fn(k, v)
	}
}

// findKey returns the first key before index i of mapping n named name.
func findKey(n *yaml.Node, i int, name string, seen map[string]*yaml.Node) *yaml.Node {
	if seen != nil {
		return seen[name]
	}
	for j := 0; j < i; j += 2 {
		if k := n.Content[j]; k.Kind == yaml.ScalarNode && k.Value == name {
			return k
		}
	}
	return nil
}

// standardTags are the explicit tags a flow may use, e.g. `!!str 123`.
var standardTags = map[string]bool{
	"!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true,
	"!!seq": true, "!!map": true,
}

// step returns the step at index i of a section, or nil.
func (d *Document) step(sec Section, i int) *Step {
	var list []*Step
	switch sec {
	case SectionSteps:
		list = d.Steps
	case SectionOnHangup:
		list = d.OnHangup
	case SectionOnError:
		list = d.OnError
	}
	if i < 0 || i >= len(list) {
		return nil
	}
	return list[i]
}

// describe names a node's kind for messages: a list, a mapping, "text", 5.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing (null)"
	case "!!str":
		return fmt.Sprintf("%q", n.Value)
	}
	return n.Value
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// plural formats count with one when it is 1, many (a format with %d) otherwise.
func plural(count int, one, many string) string {
	if count == 1 {
		return one
	}
	return fmt.Sprintf(many, count)
}
