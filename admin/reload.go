package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/flowrunner/flowrunner/reload"
	"github.com/flowrunner/flowrunner/schema"
)

// Reloader is what the reload and flows handlers need of reload.Reloader.
type Reloader interface {
	Reload(ctx context.Context, trigger string) (reload.Result, error)
	Status() reload.Status
}

// ReloadTimeout bounds how long POST /-/reload waits for the reload.
const ReloadTimeout = 30 * time.Second

// ReloadHandler serves POST /-/reload: it runs a reload and answers 200 with
// its summary, 422 with the same summary when a file is rejected (its errors
// as file:line:col lines under "errors"), or 503 when the reload did not run
// in time.
func ReloadHandler(r Reloader) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), ReloadTimeout)
		defer cancel()
		res, err := r.Reload(ctx, reload.TriggerAdmin)
		if res.Seq == 0 && err != nil {
			status := http.StatusServiceUnavailable
			if errors.Is(err, context.Canceled) {
				status = 499 // the client went away; nobody reads this
			}
			writeJSON(w, status, map[string]string{"error": "reload did not run: " + err.Error()})
			return
		}
		status := http.StatusOK
		if !res.OK() {
			status = http.StatusUnprocessableEntity
		}
		writeJSON(w, status, resultJSON(&res))
	})
}

// FlowsHandler serves GET /flows: the flows serving (name, version, file,
// loaded_at), every file's state with its diagnostics, the last reload and the
// last reload that had errors.
func FlowsHandler(r Reloader) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		st := r.Status()
		out := statusOut{Dir: st.Dir, Flows: flowsJSON(st.Flows), Files: []fileOut{},
			LastReload: resultJSON(st.Last), LastError: resultJSON(st.LastError)}
		for _, f := range st.Files {
			out.Files = append(out.Files, fileOut{
				File: f.File, Version: f.Version, Flow: f.Flow, FlowVersion: f.FlowVersion,
				Rejected: f.Rejected, CheckedAt: f.CheckedAt, Diagnostics: diagsJSON(f.Diagnostics),
			})
		}
		writeJSON(w, http.StatusOK, out)
	})
}

type statusOut struct {
	Dir        string     `json:"dir"`
	Flows      []flowOut  `json:"flows"`
	Files      []fileOut  `json:"files"`
	LastReload *resultOut `json:"last_reload"`
	LastError  *resultOut `json:"last_error"`
}

type flowOut struct {
	Name     string    `json:"name"`
	Version  string    `json:"version"`
	File     string    `json:"file"`
	LoadedAt time.Time `json:"loaded_at"`
}

type fileOut struct {
	File        string    `json:"file"`
	Version     string    `json:"version"`
	Flow        string    `json:"flow,omitempty"`
	FlowVersion string    `json:"flow_version,omitempty"`
	Rejected    bool      `json:"rejected"`
	CheckedAt   time.Time `json:"checked_at"`
	Diagnostics []diagOut `json:"diagnostics"`
}

type resultOut struct {
	OK         bool        `json:"ok"`
	Seq        uint64      `json:"seq"`
	Trigger    string      `json:"trigger"`
	Started    time.Time   `json:"started"`
	DurationMS float64     `json:"duration_ms"`
	Swapped    bool        `json:"swapped"`
	Loaded     int         `json:"files_loaded"`
	Changes    []changeOut `json:"changes"`
	Flows      []flowOut   `json:"flows"`
	Errors     []diagOut   `json:"errors"`
}

type changeOut struct {
	Kind string `json:"kind"`
	Flow string `json:"flow"`
	File string `json:"file"`
	From string `json:"from_version,omitempty"`
	To   string `json:"to_version,omitempty"`
}

// diagOut is a diagnostic as validate --format json writes it, plus the
// one-line text.
type diagOut struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Flow     string `json:"flow,omitempty"`
	Step     string `json:"step,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Text     string `json:"text"`
}

func resultJSON(r *reload.Result) *resultOut {
	if r == nil {
		return nil
	}
	out := &resultOut{
		OK: r.OK(), Seq: r.Seq, Trigger: r.Trigger, Started: r.Started,
		DurationMS: float64(r.Duration.Microseconds()) / 1000, Swapped: r.Swapped, Loaded: r.Compiled,
		Changes: []changeOut{}, Flows: flowsJSON(r.Flows), Errors: diagsJSON(r.Errors),
	}
	for _, c := range r.Changes {
		out.Changes = append(out.Changes, changeOut{Kind: c.Kind(), Flow: c.Flow, File: c.File, From: c.From, To: c.To})
	}
	return out
}

func flowsJSON(flows []reload.FlowInfo) []flowOut {
	out := make([]flowOut, 0, len(flows))
	for _, f := range flows {
		out = append(out, flowOut{Name: f.Name, Version: f.Version, File: f.File, LoadedAt: f.LoadedAt})
	}
	return out
}

func diagsJSON(ds schema.Diagnostics) []diagOut {
	out := make([]diagOut, 0, len(ds))
	for _, d := range ds {
		out = append(out, diagOut{File: d.File, Line: d.Pos.Line, Col: d.Pos.Col, Flow: d.Flow, Step: d.Step,
			Severity: d.Severity.String(), Message: d.Msg, Text: d.Error()})
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
