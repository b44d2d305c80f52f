package reload

import (
	"fmt"
	"strings"
	"testing"
)

// callerSrc is a flow named name that calls the flow sub (at line 4).
func callerSrc(name, sub string) string {
	return fmt.Sprintf("name: %s\nsteps:\n  - answer: {}\n  - call: {flow: %s}\n  - hangup: {}\n", name, sub)
}

// TestReloadChecksCalledFlows: flows are checked together, as serve loads
// them; new content that calls a missing flow is rejected like a load error,
// while a flow that keeps serving and loses a called flow is reported.
func TestReloadChecksCalledFlows(t *testing.T) {
	h := newHarness(t, "")
	main1 := callerSrc("main", "sub")
	h.write("main.yaml", main1)
	h.write("sub.yaml", flowSrc("sub", "v1"))
	if res := h.reload(); !res.OK() || len(res.Flows) != 2 {
		t.Fatalf("a flow and its sub-flow, loaded together: %+v", res)
	}

	h.write("main.yaml", callerSrc("main", "nowhere"))
	res := h.reload()
	if len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0].Error(), h.path("main.yaml")+":4:") || !strings.Contains(res.Errors[0].Msg, `"nowhere"`) {
		t.Fatalf("calling a missing flow: errors %v", res.Errors)
	}
	if res.Swapped || res.Flows[0].Version != version(main1) {
		t.Fatalf("the previous main should keep serving: %+v", res.Flows)
	}
	if st := h.r.Status(); !st.Files[0].Rejected || st.Files[1].Rejected {
		t.Fatalf("files %+v", st.Files)
	}

	// The missing flow arrives: the unchanged file is accepted now.
	h.write("nowhere.yaml", flowSrc("nowhere", "v1"))
	res = h.reload()
	if !res.OK() || len(res.Flows) != 3 || res.Flows[0].Version != version(callerSrc("main", "nowhere")) {
		t.Fatalf("once the called flow exists: %+v", res)
	}

	// A called flow removed: it goes, and the caller serves on, reported.
	h.remove("nowhere.yaml")
	res = h.reload()
	if len(res.Flows) != 2 || len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0].Error(), h.path("main.yaml")+":4:") {
		t.Fatalf("after removing a called flow: %+v", res)
	}
	if st := h.r.Status(); st.Files[0].Rejected || len(st.Files[0].Diagnostics) != 1 {
		t.Fatalf("main serves its current content, with the problem: %+v", st.Files[0])
	}

	// A caller that is new and rejected falls back to nothing.
	h.write("other.yaml", callerSrc("other", "missing"))
	res = h.reload()
	if len(res.Flows) != 2 || len(res.Errors) != 2 {
		t.Fatalf("a new caller of a missing flow: %+v", res)
	}
}
