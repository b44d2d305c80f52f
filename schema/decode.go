package schema

import (
	"math"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// The decoder turns the YAML node tree into a typed Document in one pass. It is
// lenient: a value of the wrong shape is skipped (left zero), because Validate
// runs the JSON Schema over the same tree and reports it with a better message;
// so is a key no table knows. What each object accepts is the tables below;
// TestSchemaMatchesDecoder checks them against flow.schema.json.

// decoder decodes one Document.
type decoder struct {
	doc  *Document
	dups map[*yaml.Node]bool // repeated keys (reported by Parse), skipped
}

// field decodes one key of an object into *T.
type field[T any] func(d *decoder, key, val *yaml.Node, out *T)

// fields is the table of keys one object of the language accepts.
type fields[T any] map[string]field[T]

// decodeFields dispatches each key of mapping n to its table entry.
func decodeFields[T any](d *decoder, n *yaml.Node, table fields[T], out *T) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if d.dups[k] {
			continue
		}
		if f, ok := table[k.Value]; ok {
			f(d, k, v, out)
		}
	}
}

var flowFields = fields[Document]{
	"name": func(_ *decoder, _, v *yaml.Node, doc *Document) {
		if s, ok := str(v); ok {
			doc.Name = String{Value: s, Pos: contentPos(v)}
		}
	},
	"description": func(_ *decoder, _, v *yaml.Node, doc *Document) {
		doc.Description, _ = str(v)
	},
	"vars": func(d *decoder, _, v *yaml.Node, doc *Document) {
		eachPair(d, v, func(k, v *yaml.Node) {
			doc.Vars = append(doc.Vars, Var{Name: k.Value, Value: literal(v), Pos: pos(k), ValuePos: contentPos(v)})
		})
	},
	"steps":     func(d *decoder, _, v *yaml.Node, doc *Document) { doc.Steps = d.steps(v, SectionSteps) },
	"on_hangup": func(d *decoder, _, v *yaml.Node, doc *Document) { doc.OnHangup = d.steps(v, SectionOnHangup) },
	"on_error":  func(d *decoder, _, v *yaml.Node, doc *Document) { doc.OnError = d.steps(v, SectionOnError) },
	"max_duration": func(_ *decoder, _, v *yaml.Node, doc *Document) {
		dur := duration(v)
		doc.MaxDuration = &dur
	},
}

// stepFields are the keys every step may have besides its action.
var stepFields = fields[Step]{
	"id": func(_ *decoder, _, v *yaml.Node, st *Step) {
		if s, ok := str(v); ok {
			st.ID, st.IDPos = s, contentPos(v)
		}
	},
	"next": func(d *decoder, k, v *yaml.Node, st *Step) {
		st.Next, st.NextPos = d.target(v), pos(k)
	},
	"on": func(d *decoder, k, v *yaml.Node, st *Step) {
		st.OnPos = pos(k)
		eachPair(d, v, func(k, v *yaml.Node) {
			st.On = append(st.On, Outcome{Name: k.Value, Pos: pos(k), Branches: d.target(v)})
		})
	},
}

var branchFields = fields[Branch]{
	"when": func(_ *decoder, _, v *yaml.Node, b *Branch) {
		if s, ok := str(v); ok {
			b.When = &Expr{Src: s, Pos: contentPos(v)}
		}
	},
	"goto": func(_ *decoder, _, v *yaml.Node, b *Branch) {
		if s, ok := str(v); ok {
			b.Goto, b.GotoPos = s, contentPos(v)
		}
	},
}

var playFields = fields[PlayAction]{
	"media": func(_ *decoder, _, v *yaml.Node, p *PlayAction) { p.Media = media(v) },
	"interrupt": func(_ *decoder, _, v *yaml.Node, p *PlayAction) {
		if s, ok := str(v); ok {
			p.Interrupt, p.InterruptPos = s, contentPos(v)
		}
	},
	"timeout": func(_ *decoder, _, v *yaml.Node, p *PlayAction) {
		dur := duration(v)
		p.Timeout = &dur
	},
}

var hangupFields = fields[HangupAction]{
	"reason": func(_ *decoder, _, v *yaml.Node, h *HangupAction) {
		if s, ok := str(v); ok {
			h.Reason, h.ReasonPos = s, contentPos(v)
		}
	},
}

var logFields = fields[LogAction]{
	"message": func(_ *decoder, _, v *yaml.Node, l *LogAction) {
		if s, ok := str(v); ok {
			l.Message = Template{Src: s, Pos: contentPos(v)}
		}
	},
	"level": func(_ *decoder, _, v *yaml.Node, l *LogAction) {
		if s, ok := str(v); ok {
			l.Level, l.LevelPos = s, contentPos(v)
		}
	},
}

// flow decodes the root mapping.
func (d *decoder) flow(root *yaml.Node) {
	decodeFields(d, root, flowFields, d.doc)
}

// steps decodes a step list. Every item becomes a Step, even one of the wrong
// shape, so a step's Index is its index in the YAML list.
func (d *decoder) steps(n *yaml.Node, sec Section) []*Step {
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*Step, 0, len(n.Content))
	for i, item := range n.Content {
		st := &Step{Pos: pos(item), Section: sec, Index: i}
		d.step(item, st)
		out = append(out, st)
	}
	return out
}

// step decodes one step. The first action key found is the step's action;
// more than one is an error the schema reports.
func (d *decoder) step(n *yaml.Node, st *Step) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if d.dups[k] {
			continue
		}
		if f, ok := stepFields[k.Value]; ok {
			f(d, k, v, st)
			continue
		}
		if a, ok := action(k.Value); ok && st.Action == "" {
			st.Action, st.ActionPos = a.name, pos(k)
			a.decode(d, st, v)
		}
	}
}

// target decodes `next:` or an outcome's value: an id, or a list of branches.
func (d *decoder) target(n *yaml.Node) []Branch {
	if s, ok := str(n); ok {
		return []Branch{{Pos: contentPos(n), Goto: s, GotoPos: contentPos(n)}}
	}
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]Branch, 0, len(n.Content))
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		b := Branch{Pos: pos(item)}
		decodeFields(d, item, branchFields, &b)
		out = append(out, b)
	}
	return out
}

func decodeAnswer(d *decoder, st *Step, v *yaml.Node) {
	st.Answer = &AnswerAction{}
	decodeFields(d, v, fields[AnswerAction]{}, st.Answer)
}

func decodePlay(d *decoder, st *Step, v *yaml.Node) {
	st.Play = &PlayAction{}
	if v.Kind == yaml.MappingNode {
		decodeFields(d, v, playFields, st.Play)
		return
	}
	st.Play.Media = media(v)
}

func decodeWait(_ *decoder, st *Step, v *yaml.Node) {
	st.Wait = &WaitAction{Duration: duration(v)}
}

func decodeHangup(d *decoder, st *Step, v *yaml.Node) {
	st.Hangup = &HangupAction{}
	decodeFields(d, v, hangupFields, st.Hangup)
}

func decodeSet(d *decoder, st *Step, v *yaml.Node) {
	st.Set = &SetAction{Assignments: d.assignments(v)}
}

// assignments decodes a mapping of name: value as set does (and call's with,
// return): a YAML string is an expression, any other value a literal.
func (d *decoder) assignments(n *yaml.Node) []Assignment {
	var out []Assignment
	eachPair(d, n, func(k, v *yaml.Node) {
		a := Assignment{Name: k.Value, NamePos: pos(k)}
		if s, ok := str(v); ok {
			a.Expr = &Expr{Src: s, Pos: contentPos(v)}
		} else {
			a.Literal = literal(v)
		}
		out = append(out, a)
	})
	return out
}

func decodeLog(d *decoder, st *Step, v *yaml.Node) {
	st.Log = &LogAction{}
	if s, ok := str(v); ok {
		st.Log.Message = Template{Src: s, Pos: contentPos(v)}
		return
	}
	decodeFields(d, v, logFields, st.Log)
}

func decodeGoto(_ *decoder, st *Step, v *yaml.Node) {
	st.Goto = &GotoAction{}
	if s, ok := str(v); ok {
		st.Goto.Target, st.Goto.TargetPos = s, contentPos(v)
	}
}

// eachPair calls fn for each key of mapping n, skipping repeated keys.
func eachPair(d *decoder, n *yaml.Node, fn func(k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !d.dups[n.Content[i]] {
			fn(n.Content[i], n.Content[i+1])
		}
	}
}

// media decodes one media URI or a list of them.
func media(n *yaml.Node) []Template {
	if s, ok := str(n); ok {
		return []Template{{Src: s, Pos: contentPos(n)}}
	}
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]Template, 0, len(n.Content))
	for _, item := range n.Content {
		if s, ok := str(item); ok {
			out = append(out, Template{Src: s, Pos: contentPos(item)})
		}
	}
	return out
}

// duration decodes a duration. A value that is not a string keeps an empty Src
// (the schema reports it); one that does not parse keeps D zero (the semantic
// checks report it).
func duration(n *yaml.Node) Duration {
	out := Duration{Pos: contentPos(n)}
	if s, ok := str(n); ok {
		out.Src = s
		out.D, _ = time.ParseDuration(s)
	}
	return out
}

// str returns the value of a string scalar.
func str(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return "", false
	}
	return n.Value, true
}

func pos(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// contentPos is the position of a value: for a scalar, of its first character
// of content (after the quote of a quoted scalar; the line after a block
// scalar's | or >). Every value position in a Document follows this rule, and
// so do Validate's messages about values, so both name the same spot.
func contentPos(n *yaml.Node) Pos {
	p := pos(n)
	switch {
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		p.Col++
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		p.Line++
	}
	return p
}

// literal converts a node to the Go value a variable holds: string, int,
// float64, bool, nil, []any or map[string]any. Timestamps and binary stay
// strings; aliases (rejected by Parse) are nil.
func literal(n *yaml.Node) any {
	switch n.Kind {
	case yaml.ScalarNode:
		return scalar(n)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = literal(c)
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if _, dup := out[n.Content[i].Value]; !dup {
				out[n.Content[i].Value] = literal(n.Content[i+1])
			}
		}
		return out
	}
	return nil
}

// scalar resolves a scalar by its tag.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		switch x := v.(type) {
		case int64:
			return int(x)
		case uint64:
			if x > math.MaxInt64 {
				return float64(x)
			}
			return int(x)
		}
		return v
	}
	return n.Value
}
