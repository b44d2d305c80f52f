package schema

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// The YAML library reports syntax errors as text with a line number that is
// sometimes the start of the enclosing construct, sometimes one off, and never
// a column. yamlError turns that into a position an editor can jump to.

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// refineLimit bounds the files whose error line is pinned down by re-parsing
// prefixes (a handful of parses); larger files keep the library's line.
const refineLimit = 128 << 10

func (p *parser) yamlError(err error) {
	line, msg := splitYAMLError(err)
	if len(p.src) <= refineLimit {
		line = p.refineLine(msg, line)
	} else if strings.HasPrefix(msg, "did not find expected") {
		line++ // parser errors count lines from 0
	}
	line = max(line, 1)
	at := Pos{Line: line, Col: p.firstCol(line)}

	switch {
	case strings.Contains(msg, "UTF-8"):
		p.errorf(p.firstBadUTF8(), "the file is not valid UTF-8 text")
		return
	case strings.Contains(msg, "control characters"):
		p.errorf(p.firstControl(), "the file holds a control character; %s are plain text", p.fileKind().files)
		return
	}
	if col := p.indentTab(line); col > 0 {
		p.errorf(Pos{Line: line, Col: col}, "tab character used for indentation; YAML indents with spaces")
		return
	}
	if msg == "found character that cannot start any token" {
		if i := bytes.IndexAny(p.lineText(line), "@`"); i >= 0 {
			at.Col = utf8.RuneCount(p.lineText(line)[:i]) + 1
		}
	}
	p.errorf(at, "invalid YAML: %s%s", msg, yamlHint(msg))
}

func splitYAMLError(err error) (int, string) {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, err.Error()
	}
	line, _ := strconv.Atoi(m[1])
	return line, m[2]
}

// refineLine finds the first line at which the file fails with msg: the
// smallest prefix of whole lines that fails the same way. Prefixes that end
// before the problem either parse or fail differently (at their end).
func (p *parser) refineLine(msg string, line int) int {
	starts := lineStarts(p.src)
	p.starts = starts
	n := len(starts)
	fails := func(k int) bool {
		end := len(p.src)
		if k < n {
			end = starts[k]
		}
		return prefixFailsWith(p.src[:end], msg)
	}
	lo, hi := 1, n
	if !fails(hi) {
		return line
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// prefixFailsWith reports whether parsing src fails with msg.
func prefixFailsWith(src []byte, msg string) (failed bool) {
	defer func() {
		if recover() != nil {
			failed = false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for range 2 {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			_, m := splitYAMLError(err)
			return m == msg
		}
	}
	return false
}

// lineStarts returns the offset at which each line starts. Lines end as YAML
// ends them: at \n, \r\n or a lone \r.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		switch {
		case src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n':
			i++
			fallthrough
		case src[i] == '\n' || src[i] == '\r':
			if i+1 < len(src) {
				starts = append(starts, i+1)
			}
		}
	}
	return starts
}

// lineText returns line (1-based) of the source without its line break.
func (p *parser) lineText(line int) []byte {
	if p.starts == nil {
		p.starts = lineStarts(p.src)
	}
	if line < 1 || line > len(p.starts) {
		return nil
	}
	end := len(p.src)
	if line < len(p.starts) {
		end = p.starts[line]
	}
	return bytes.TrimRight(p.src[p.starts[line-1]:end], "\r\n")
}

// firstCol is the column of the first non-blank character of line.
func (p *parser) firstCol(line int) int {
	text := p.lineText(line)
	for i, b := range text {
		if b != ' ' && b != '\t' {
			return utf8.RuneCount(text[:i]) + 1
		}
	}
	return 1
}

// indentTab returns the column of a tab in line's indentation, or 0.
func (p *parser) indentTab(line int) int {
	for i, b := range p.lineText(line) {
		switch b {
		case '\t':
			return i + 1
		case ' ', '-':
			continue
		}
		return 0
	}
	return 0
}

func (p *parser) firstBadUTF8() Pos {
	return p.firstRune(func(r rune, size int) bool { return r == utf8.RuneError && size <= 1 })
}

func (p *parser) firstControl() Pos {
	return p.firstRune(func(r rune, _ int) bool {
		return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f && r != 0x85) || r == 0xfffe || r == 0xffff
	})
}

// firstRune returns the position of the first rune matching bad.
func (p *parser) firstRune(bad func(r rune, size int) bool) Pos {
	at := Pos{Line: 1, Col: 1}
	for i := 0; i < len(p.src); {
		r, size := utf8.DecodeRune(p.src[i:])
		if bad(r, size) {
			return at
		}
		switch {
		case r == '\n' || (r == '\r' && !bytes.HasPrefix(p.src[i+1:], []byte("\n"))):
			at.Line++
			at.Col = 1
		case r != '\r':
			at.Col++
		}
		i += size
	}
	return Pos{}
}

// yamlHint adds what usually causes a YAML error to its message.
func yamlHint(msg string) string {
	switch {
	case strings.HasPrefix(msg, "mapping values are not allowed"):
		return ` (quote a value that contains ": ")`
	case msg == "did not find expected key":
		return " (check the indentation of this line and the ones around it)"
	case msg == "did not find expected '-' indicator":
		return ` (list items must line up under each other)`
	case msg == "did not find expected ',' or ']'":
		return " (a [ list is not closed)"
	case msg == "did not find expected ',' or '}'":
		return " (a { mapping is not closed)"
	case msg == "found unexpected end of stream":
		return " (a quoted string is not closed)"
	case msg == "found character that cannot start any token":
		return " (quote a value that starts with @, ` or %)"
	case strings.HasPrefix(msg, "could not find expected ':'"):
		return ` (a key is missing its ":")`
	}
	return ""
}
