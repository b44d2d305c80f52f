package schema

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// checkSchema validates the YAML tree against flow.schema.json and turns each
// schema error into a diagnostic at the node it is about.
func (v *validator) checkSchema() {
	sch, err := flowSchema()
	if err != nil {
		v.schemaError(nil, Pos{}, "internal error: the flow schema does not compile: "+err.Error())
		return
	}
	err = sch.Validate(toJSON(v.doc.root, v.doc.dups))
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return
	}
	for _, e := range leaves(ve, nil) {
		v.schemaLeaf(e)
	}
}

// leaves flattens a schema error tree into the errors worth reporting. Of the
// alternatives of an anyOf (play: a URI, a list or a mapping), only the one
// matching the value's shape speaks; if none does, the anyOf itself is the
// error ("play needs ..."). The step's anyOf (at least one action) is
// reported as a whole.
func leaves(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	switch e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.Reference:
		for _, c := range e.Causes {
			out = leaves(c, out)
		}
		return out
	case *kind.AnyOf, *kind.OneOf:
		if _, ok := e.ErrorKind.(*kind.OneOf); ok && defOf(e.SchemaURL) != "step" && !wrongShape(e, len(e.InstanceLocation)) {
			return append(out, e) // exactly one of some keys (say, dial)
		}
		if len(e.Causes) == 0 || defOf(e.SchemaURL) == "step" {
			return append(out, e)
		}
		for _, c := range e.Causes {
			if !wrongShape(c, len(e.InstanceLocation)) {
				return leaves(c, out)
			}
		}
		return append(out, e)
	}
	return append(out, e)
}

// wrongShape reports whether an alternative failed on the type of the value
// itself (at depth), rather than on something inside it.
func wrongShape(e *jsonschema.ValidationError, depth int) bool {
	if _, ok := e.ErrorKind.(*kind.Type); ok && len(e.InstanceLocation) == depth {
		return true
	}
	for _, c := range e.Causes {
		if wrongShape(c, depth) {
			return true
		}
	}
	return false
}

// defOf names the part of the schema an error comes from: the $defs entry
// ("step", "duration"), "flow.<prop>" for the flow's own properties, or "flow".
func defOf(url string) string {
	_, frag, _ := strings.Cut(url, "#")
	if rest, ok := strings.CutPrefix(frag, "/$defs/"); ok {
		name, _, _ := strings.Cut(rest, "/")
		return name
	}
	if rest, ok := strings.CutPrefix(frag, "/properties/"); ok {
		name, _, _ := strings.Cut(rest, "/")
		return "flow." + name
	}
	return "flow"
}

var printer = message.NewPrinter(language.English)

// schemaLeaf reports one schema error.
func (v *validator) schemaLeaf(e *jsonschema.ValidationError) {
	loc := e.InstanceLocation
	n := lookup(v.doc.root, loc, v.doc.dups)
	st := v.stepAt(loc)
	def := defOf(e.SchemaURL)
	at := contentPos(n)
	what := subject(loc, def)

	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			at := pos(keyNode(n, name, v.doc.dups))
			switch {
			case strings.HasSuffix(def, "Outcomes"):
				action := ""
				if st != nil {
					action = st.Action
				}
				v.schemaError(st, at, outcomeMsg(action, name))
			default:
				v.schemaError(st, at, unknownKeyMsg(def, name))
			}
		}
	case *kind.PropertyNames:
		// Variable names (vars:, set:). The rules report them: the validator
		// reuses the location slice of this error, so it cannot be trusted.
	case *kind.Required:
		for _, name := range k.Missing {
			v.schemaError(st, at, missingMsg(def, name))
		}
	case *kind.OneOf:
		if n.Kind == yaml.MappingNode { // otherwise the type error says it
			at, msg := exactlyOneMsg(def, n, v.doc.dups)
			v.schemaError(st, at, msg)
		}
	case *kind.AnyOf:
		if def != "step" {
			v.schemaError(st, at, shapeMsg(def, what, n))
		} else if at, msg, ok := actionCountMsg(n, v.doc.dups); ok {
			v.schemaError(st, at, msg) // no action
		}
	case *kind.FalseSchema:
		// The only false schemas are a step's other actions, under the
		// dependentSchemas entry of the action it has: one error per pair,
		// all with the same message.
		if def == "step" && len(loc) > 0 {
			if at, msg, ok := actionCountMsg(lookup(v.doc.root, loc[:len(loc)-1], v.doc.dups), v.doc.dups); ok {
				v.schemaError(st, at, msg)
				break
			}
		}
		v.schemaError(st, at, what+": "+e.ErrorKind.LocalizedString(printer))
	case *kind.Type:
		v.schemaError(st, at, typeMsg(def, what, n, k.Want))
	case *kind.Pattern:
		v.schemaError(st, at, patternMsg(def, what, k.Got))
	case *kind.Minimum:
		v.schemaError(st, at, boundMsg(what, n, k.Want, true))
	case *kind.Maximum:
		v.schemaError(st, at, boundMsg(what, n, k.Want, false))
	case *kind.Not:
		switch s, ok := str(n); {
		case ok && def == "varName":
			v.schemaError(st, at, varNameMsg(s))
		case ok && def == "returnName":
			v.schemaError(st, at, returnNameMsg(s))
		default:
			v.schemaError(st, at, what+" is not allowed here")
		}
	case *kind.Enum:
		v.schemaError(st, at, enumMsg(what, n, k.Want))
	case *kind.MinItems, *kind.MinProperties, *kind.MinLength:
		v.schemaError(st, at, emptyMsg(def, what))
	default:
		v.schemaError(st, at, what+": "+e.ErrorKind.LocalizedString(printer))
	}
}

// stepAt returns the step an instance location is inside, or nil.
func (v *validator) stepAt(loc []string) *Step {
	if len(loc) < 2 {
		return nil
	}
	i, err := strconv.Atoi(loc[1])
	if err != nil {
		return nil
	}
	return v.doc.step(Section(loc[0]), i)
}

// subject names the value at loc in a message: `"wait"`, `outcome "done"`,
// `a step`, `media`.
func subject(loc []string, def string) string {
	if len(loc) == 0 {
		return "the flow"
	}
	last := loc[len(loc)-1]
	if _, err := strconv.Atoi(last); err == nil {
		switch def {
		case "step":
			return "a step"
		case "branch":
			return "a branch"
		case "media":
			return "media"
		}
		if len(loc) >= 2 {
			return "an item of " + strconv.Quote(loc[len(loc)-2])
		}
		return "an item"
	}
	if len(loc) >= 2 && loc[len(loc)-2] == "on" {
		return "outcome " + strconv.Quote(last)
	}
	return strconv.Quote(last)
}

// lookup returns the node at a JSON pointer's tokens, or the deepest node
// found on the way.
func lookup(n *yaml.Node, loc []string, dups map[*yaml.Node]bool) *yaml.Node {
	for _, tok := range loc {
		switch n.Kind {
		case yaml.MappingNode:
			k := keyNode(n, tok, dups)
			if k == n {
				return n
			}
			n = valueOf(n, k)
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return n
			}
			n = n.Content[i]
		default:
			return n
		}
	}
	return n
}

// keyNode returns the (first) key node named name in mapping n, or n itself.
func keyNode(n *yaml.Node, name string, dups map[*yaml.Node]bool) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return n
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Value == name && !dups[k] {
			return k
		}
	}
	return n
}

func valueOf(m, key *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == key {
			return m.Content[i+1]
		}
	}
	return m
}

// toJSON converts the YAML tree to the values the JSON Schema validator takes.
// Repeated keys (reported by Parse) keep their first value; aliases (reported
// by Parse) are null.
func toJSON(n *yaml.Node, dups map[*yaml.Node]bool) any {
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil
		case "!!bool", "!!int", "!!float":
			switch x := scalar(n).(type) {
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return n.Value // JSON has no NaN or infinity
				}
				return x
			case int, bool:
				return x
			}
		}
		return n.Value
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = toJSON(c, dups)
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && !dups[k] {
				out[k.Value] = toJSON(n.Content[i+1], dups)
			}
		}
		return out
	}
	return nil
}
