package schema

import (
	yaml "go.yaml.in/yaml/v3"
)

// The decoders of the step catalogue beyond the core actions (steps.go). The
// same lenient rules as decode.go: a value of the wrong shape is left zero and
// the schema reports it.

var gatherFields = fields[GatherAction]{
	"prompt": func(_ *decoder, _, v *yaml.Node, g *GatherAction) { g.Prompt = media(v) },
	"min_digits": func(_ *decoder, _, v *yaml.Node, g *GatherAction) {
		g.MinDigits, _ = intValue(v)
		g.MinDigitsPos = contentPos(v)
	},
	"max_digits": func(_ *decoder, _, v *yaml.Node, g *GatherAction) {
		g.MaxDigits, _ = intValue(v)
		g.MaxDigitsPos = contentPos(v)
	},
	"terminator": func(_ *decoder, _, v *yaml.Node, g *GatherAction) {
		if s, ok := str(v); ok {
			g.Terminator, g.TerminatorPos = &s, contentPos(v)
		}
	},
	"timeout":             func(_ *decoder, _, v *yaml.Node, g *GatherAction) { g.Timeout = durationPtr(v) },
	"inter_digit_timeout": func(_ *decoder, _, v *yaml.Node, g *GatherAction) { g.InterDigitTimeout = durationPtr(v) },
	"overall_timeout":     func(_ *decoder, _, v *yaml.Node, g *GatherAction) { g.OverallTimeout = durationPtr(v) },
	"pattern": func(_ *decoder, _, v *yaml.Node, g *GatherAction) {
		if s, ok := str(v); ok {
			g.Pattern = &String{Value: s, Pos: contentPos(v)}
		}
	},
	"valid": func(_ *decoder, _, v *yaml.Node, g *GatherAction) { g.Valid = exprPtr(v) },
	"into": func(_ *decoder, _, v *yaml.Node, g *GatherAction) {
		if s, ok := str(v); ok {
			g.Into, g.IntoPos = s, contentPos(v)
		}
	},
}

func decodeGather(d *decoder, st *Step, v *yaml.Node) {
	st.Gather = &GatherAction{}
	decodeFields(d, v, gatherFields, st.Gather)
}

// intValue returns the value of an integer scalar; 0 and false for anything
// else (the schema reports it).
func intValue(n *yaml.Node) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, false
	}
	i, ok := scalar(n).(int)
	return i, ok
}

// durationPtr decodes a duration that may be absent.
func durationPtr(n *yaml.Node) *Duration {
	d := duration(n)
	return &d
}

// exprPtr decodes an expression; nil when the value is not text.
func exprPtr(n *yaml.Node) *Expr {
	if s, ok := str(n); ok {
		return &Expr{Src: s, Pos: contentPos(n)}
	}
	return nil
}

// template decodes a template; ok is false when the value is not text.
func template(n *yaml.Node) (Template, bool) {
	s, ok := str(n)
	return Template{Src: s, Pos: contentPos(n)}, ok
}

var menuFields = fields[MenuAction]{
	"prompt": func(_ *decoder, _, v *yaml.Node, m *MenuAction) { m.Prompt = media(v) },
	"options": func(d *decoder, _, v *yaml.Node, m *MenuAction) {
		eachPair(d, v, func(k, v *yaml.Node) {
			o := MenuOption{Key: k.Value, KeyPos: pos(k), TargetPos: contentPos(v)}
			o.Target, _ = str(v)
			m.Options = append(m.Options, o)
		})
	},
	"attempts": func(_ *decoder, _, v *yaml.Node, m *MenuAction) {
		m.Attempts, _ = intValue(v)
		m.AttemptsPos = contentPos(v)
	},
	"timeout":        func(_ *decoder, _, v *yaml.Node, m *MenuAction) { m.Timeout = durationPtr(v) },
	"noinput_prompt": func(_ *decoder, _, v *yaml.Node, m *MenuAction) { m.NoInputPrompt = media(v) },
	"nomatch_prompt": func(_ *decoder, _, v *yaml.Node, m *MenuAction) { m.NoMatchPrompt = media(v) },
}

func decodeMenu(d *decoder, st *Step, v *yaml.Node) {
	st.Menu = &MenuAction{}
	decodeFields(d, v, menuFields, st.Menu)
}

var sayFields = fields[SayAction]{
	"digits":     sayValue,
	"number":     sayValue,
	"characters": sayValue,
	"language": func(_ *decoder, _, v *yaml.Node, s *SayAction) {
		if l, ok := str(v); ok {
			s.Language, s.LanguagePos = l, contentPos(v)
		}
	},
	"interrupt": func(_ *decoder, _, v *yaml.Node, s *SayAction) {
		if i, ok := str(v); ok {
			s.Interrupt, s.InterruptPos = i, contentPos(v)
		}
	},
}

// sayValue decodes the first of digits, number and characters; a second is
// an error the schema reports.
func sayValue(_ *decoder, k, v *yaml.Node, s *SayAction) {
	if s.Kind != "" {
		return
	}
	s.Kind, s.KindPos = k.Value, pos(k)
	s.Value, _ = template(v)
}

func decodeSay(d *decoder, st *Step, v *yaml.Node) {
	st.Say = &SayAction{}
	decodeFields(d, v, sayFields, st.Say)
}

func decodeSwitch(d *decoder, st *Step, v *yaml.Node) {
	st.Switch = &SwitchAction{}
	if v.Kind == yaml.SequenceNode {
		st.Switch.Cases = d.target(v)
	}
}

func decodeUnset(_ *decoder, st *Step, v *yaml.Node) {
	st.Unset = &UnsetAction{}
	if s, ok := str(v); ok {
		st.Unset.Names = []String{{Value: s, Pos: contentPos(v)}}
		return
	}
	if v.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range v.Content {
		if s, ok := str(item); ok {
			st.Unset.Names = append(st.Unset.Names, String{Value: s, Pos: contentPos(item)})
		}
	}
}

func decodeGetVar(d *decoder, st *Step, v *yaml.Node) {
	st.GetVar = &GetVarAction{}
	eachPair(d, v, func(k, v *yaml.Node) {
		m := VarMapping{Channel: k.Value, ChannelPos: pos(k), VarPos: contentPos(v)}
		m.Var, _ = str(v)
		st.GetVar.Vars = append(st.GetVar.Vars, m)
	})
}

func decodeSetVar(d *decoder, st *Step, v *yaml.Node) {
	st.SetVar = &SetVarAction{}
	eachPair(d, v, func(k, v *yaml.Node) {
		val, _ := template(v)
		st.SetVar.Vars = append(st.SetVar.Vars, ChannelVarValue{Channel: k.Value, ChannelPos: pos(k), Value: val})
	})
}

var transferFields = fields[TransferAction]{
	"context":   func(_ *decoder, _, v *yaml.Node, t *TransferAction) { t.Context, _ = str(v) },
	"extension": func(_ *decoder, _, v *yaml.Node, t *TransferAction) { t.Extension, _ = str(v) },
	"priority": func(_ *decoder, _, v *yaml.Node, t *TransferAction) {
		t.Priority, _ = intValue(v)
		t.PriorityPos = contentPos(v)
	},
	"label": func(_ *decoder, _, v *yaml.Node, t *TransferAction) { t.Label, _ = str(v) },
}

func decodeTransfer(d *decoder, st *Step, v *yaml.Node) {
	st.Transfer = &TransferAction{}
	decodeFields(d, v, transferFields, st.Transfer)
}

var mohFields = fields[MOHAction]{
	"class": func(_ *decoder, _, v *yaml.Node, m *MOHAction) { m.Class, _ = str(v) },
}

func decodeMOH(d *decoder, st *Step, v *yaml.Node) {
	st.MOH = &MOHAction{}
	if s, ok := str(v); ok {
		st.MOH.Stop = s == "stop"
		return
	}
	decodeFields(d, v, mohFields, st.MOH)
}

func decodeRing(_ *decoder, st *Step, v *yaml.Node) {
	s, _ := str(v)
	st.Ring = &RingAction{Stop: s == "stop"}
}

var sendDTMFFields = fields[SendDTMFAction]{
	"digits":   func(_ *decoder, _, v *yaml.Node, s *SendDTMFAction) { s.Digits, _ = template(v) },
	"between":  func(_ *decoder, _, v *yaml.Node, s *SendDTMFAction) { s.Between = durationPtr(v) },
	"duration": func(_ *decoder, _, v *yaml.Node, s *SendDTMFAction) { s.Duration = durationPtr(v) },
}

func decodeSendDTMF(d *decoder, st *Step, v *yaml.Node) {
	st.SendDTMF = &SendDTMFAction{}
	if t, ok := template(v); ok {
		st.SendDTMF.Digits = t
		return
	}
	decodeFields(d, v, sendDTMFFields, st.SendDTMF)
}

var httpFields = fields[HTTPAction]{
	"method": func(_ *decoder, _, v *yaml.Node, h *HTTPAction) { h.Method, _ = str(v) },
	"url":    func(_ *decoder, _, v *yaml.Node, h *HTTPAction) { h.URL, _ = template(v) },
	"headers": func(d *decoder, _, v *yaml.Node, h *HTTPAction) {
		eachPair(d, v, func(k, v *yaml.Node) {
			val, _ := template(v)
			h.Headers = append(h.Headers, HTTPHeader{Name: k.Value, NamePos: pos(k), Value: val})
		})
	},
	"json":    func(d *decoder, _, v *yaml.Node, h *HTTPAction) { h.JSON = d.jsonValue(v) },
	"timeout": func(_ *decoder, _, v *yaml.Node, h *HTTPAction) { h.Timeout = durationPtr(v) },
	"retries": func(_ *decoder, _, v *yaml.Node, h *HTTPAction) {
		h.Retries, _ = intValue(v)
		h.RetriesPos = contentPos(v)
	},
	"backoff": func(_ *decoder, _, v *yaml.Node, h *HTTPAction) { h.Backoff = durationPtr(v) },
	"into": func(d *decoder, _, v *yaml.Node, h *HTTPAction) {
		eachPair(d, v, func(k, v *yaml.Node) {
			in := HTTPInto{Var: k.Value, VarPos: pos(k)}
			if e := exprPtr(v); e != nil {
				in.Expr = *e
			}
			h.Into = append(h.Into, in)
		})
	},
}

func decodeHTTP(d *decoder, st *Step, v *yaml.Node) {
	st.HTTP = &HTTPAction{}
	decodeFields(d, v, httpFields, st.HTTP)
}

// jsonValue decodes a request body: like literal, but strings become
// Templates with their positions.
func (d *decoder) jsonValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.ScalarNode:
		if t, ok := template(n); ok {
			return t
		}
		return scalar(n)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = d.jsonValue(c)
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		eachPair(d, n, func(k, v *yaml.Node) { out[k.Value] = d.jsonValue(v) })
		return out
	}
	return nil
}

var recordFields = fields[RecordAction]{
	"name": func(_ *decoder, _, v *yaml.Node, r *RecordAction) {
		if t, ok := template(v); ok {
			r.Name = &t
		}
	},
	"format":       func(_ *decoder, _, v *yaml.Node, r *RecordAction) { r.Format, _ = str(v) },
	"max_duration": func(_ *decoder, _, v *yaml.Node, r *RecordAction) { r.MaxDuration = durationPtr(v) },
	"max_silence":  func(_ *decoder, _, v *yaml.Node, r *RecordAction) { r.MaxSilence = durationPtr(v) },
	"beep": func(_ *decoder, _, v *yaml.Node, r *RecordAction) {
		r.Beep, _ = literal(v).(bool)
	},
	"terminate_on": func(_ *decoder, _, v *yaml.Node, r *RecordAction) {
		if s, ok := str(v); ok {
			r.TerminateOn = &s
		}
	},
	"into": func(_ *decoder, _, v *yaml.Node, r *RecordAction) {
		if s, ok := str(v); ok {
			r.Into, r.IntoPos = s, contentPos(v)
		}
	},
}

func decodeRecord(d *decoder, st *Step, v *yaml.Node) {
	st.Record = &RecordAction{}
	decodeFields(d, v, recordFields, st.Record)
}

var dialFields = fields[DialAction]{
	"endpoint": func(_ *decoder, _, v *yaml.Node, a *DialAction) {
		if t, ok := template(v); ok && a.Endpoints == nil {
			a.Endpoints = []Template{t}
		}
	},
	"endpoints": func(_ *decoder, _, v *yaml.Node, a *DialAction) {
		if v.Kind == yaml.SequenceNode && a.Endpoints == nil {
			a.Endpoints = media(v)
		}
	},
	"strategy": func(_ *decoder, _, v *yaml.Node, a *DialAction) { a.Strategy, _ = str(v) },
	"timeout":  func(_ *decoder, _, v *yaml.Node, a *DialAction) { a.Timeout = durationPtr(v) },
	"caller_id": func(_ *decoder, _, v *yaml.Node, a *DialAction) {
		if t, ok := template(v); ok {
			a.CallerID = &t
		}
	},
	"ringback": func(_ *decoder, _, v *yaml.Node, a *DialAction) { a.Ringback, _ = str(v) },
}

func decodeDial(d *decoder, st *Step, v *yaml.Node) {
	st.Dial = &DialAction{}
	decodeFields(d, v, dialFields, st.Dial)
}

var callFields = fields[CallAction]{
	"flow": func(_ *decoder, _, v *yaml.Node, c *CallAction) {
		if s, ok := str(v); ok {
			c.Flow, c.FlowPos = s, contentPos(v)
		}
	},
	"with": func(d *decoder, _, v *yaml.Node, c *CallAction) { c.With = d.assignments(v) },
	"into": func(d *decoder, _, v *yaml.Node, c *CallAction) {
		eachPair(d, v, func(k, v *yaml.Node) {
			in := CallInto{Var: k.Value, VarPos: pos(k), KeyPos: contentPos(v)}
			in.Key, _ = str(v)
			c.Into = append(c.Into, in)
		})
	},
}

func decodeCall(d *decoder, st *Step, v *yaml.Node) {
	st.Call = &CallAction{}
	decodeFields(d, v, callFields, st.Call)
}

func decodeReturn(d *decoder, st *Step, v *yaml.Node) {
	st.Return = &ReturnAction{Values: d.assignments(v)}
}
