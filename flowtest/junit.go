package flowtest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// FileResult is the results of one test file's cases, or the problems that
// kept it from running.
type FileResult struct {
	File    string
	Problem string // the file's diagnostics; "" when its cases ran
	Results []Result
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the results as JUnit XML, one testsuite per test file; a
// file that could not run is one testcase with an error.
func WriteJUnit(w io.Writer, files []FileResult) error {
	var out junitSuites
	for _, f := range files {
		s := junitSuite{Name: f.File}
		var total time.Duration
		if f.Problem != "" {
			s.Tests, s.Errors = 1, 1
			s.Cases = append(s.Cases, junitCase{Name: "load", ClassName: f.File, Time: "0.000",
				Error: &junitFailure{Message: "invalid test file", Text: f.Problem}})
		}
		for _, r := range f.Results {
			total += r.Elapsed
			c := junitCase{Name: r.Case.Name.Value, ClassName: f.File, Time: seconds(r.Elapsed)}
			if len(r.Failures) > 0 {
				s.Failures++
				var msgs []string
				for _, fl := range r.Failures {
					msgs = append(msgs, fmt.Sprintf("%s:%s: %s", f.File, fl.Pos, fl.Msg))
				}
				c.Failure = &junitFailure{Message: fmt.Sprintf("%d expectation(s) failed", len(r.Failures)), Text: strings.Join(msgs, "\n")}
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		s.Time = seconds(total)
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
