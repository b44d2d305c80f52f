package schema

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	for _, f := range strings.Fields(os.Getenv("DUMP")) {
		for _, d := range check(f) {
			w := ""
			if d.Severity == SeverityWarning {
				w = "warning: "
			}
			fmt.Printf("%d:%d\t%s%s\n", d.Pos.Line, d.Pos.Col, w, d.Msg)
		}
	}
}
