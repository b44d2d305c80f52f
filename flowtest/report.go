package flowtest

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Write prints the result as `flowrunner test` does: "ok" or "FAIL" with the
// file and case name (and the wall time when timed), then each failure at
// its file:line:col.
func (r Result) Write(w io.Writer, file string, timed bool) {
	status := "ok  "
	if len(r.Failures) > 0 {
		status = "FAIL"
	}
	elapsed := ""
	if timed {
		elapsed = fmt.Sprintf(" (%s)", r.Elapsed.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "%s  %s: %s%s\n", status, file, r.Case.Name.Value, elapsed)
	for _, f := range r.Failures {
		fmt.Fprintf(w, "      %s:%s: %s\n", file, f.Pos, Indent(f.Msg))
	}
}

// Indent indents the continuation lines of a message under its first line.
func Indent(msg string) string { return strings.ReplaceAll(msg, "\n", "\n      ") }
