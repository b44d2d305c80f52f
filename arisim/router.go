package arisim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// handlerFunc serves one REST operation. It runs with s.mu held and must not
// block; every event it causes is queued before the reply is written.
type handlerFunc func(s *Server, rq *request) reply

// node is one path segment of the route tree. Static segments win over a
// {param} segment, as in Asterisk (/channels/create vs /channels/{channelId}).
type node struct {
	static  map[string]*node
	param   *node
	methods map[string]handlerFunc
}

func newNode() *node { return &node{} }

// handle registers h for method on pattern, e.g. "/channels/{channelId}/play".
func (n *node) handle(method, pattern string, h handlerFunc) {
	cur := n
	for _, seg := range strings.Split(strings.Trim(pattern, "/"), "/") {
		if strings.HasPrefix(seg, "{") {
			if cur.param == nil {
				cur.param = newNode()
			}
			cur = cur.param
			continue
		}
		if cur.static == nil {
			cur.static = map[string]*node{}
		}
		next := cur.static[seg]
		if next == nil {
			next = newNode()
			cur.static[seg] = next
		}
		cur = next
	}
	if cur.methods == nil {
		cur.methods = map[string]handlerFunc{}
	}
	cur.methods[method] = h
}

// match finds the node for path (already unescaped, as net/http gives it)
// and the values of its {param} segments. A nil
// node means no resource lives at path (404); a node without the request's
// method means 405.
func (n *node) match(path string) (*node, []string) {
	var vars []string
	cur := n
	path = strings.Trim(path, "/")
	for path != "" {
		seg := path
		if i := strings.IndexByte(path, '/'); i >= 0 {
			seg, path = path[:i], path[i+1:]
		} else {
			path = ""
		}
		if next := cur.static[seg]; next != nil {
			cur = next
			continue
		}
		if cur.param == nil || seg == "" {
			return nil, nil
		}
		vars = append(vars, seg)
		cur = cur.param
	}
	if cur.methods == nil {
		return nil, nil
	}
	return cur, vars
}

// request is a parsed REST request.
type request struct {
	method string
	vars   []string // path parameters in pattern order
	query  url.Values
	body   map[string]json.RawMessage // a JSON object body, if any
}

// get returns a parameter. Like Asterisk, a JSON body field wins over the query
// string, and a repeated query parameter yields its LAST value.
func (rq *request) get(name string) (string, bool) {
	if raw, ok := rq.body[name]; ok {
		return jsonParam(raw), true
	}
	vs, ok := rq.query[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// str returns a parameter or "".
func (rq *request) str(name string) string {
	v, _ := rq.get(name)
	return v
}

// intParam returns an integer parameter, def when absent; ok is false when the
// value is not an integer.
func (rq *request) intParam(name string, def int) (int, bool) {
	v, present := rq.get(name)
	if !present || v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, false
	}
	return n, true
}

func (rq *request) boolParam(name string) bool {
	v := rq.str(name)
	return v == "true" || v == "1" || v == "yes"
}

// jsonParam turns a body field into a parameter value: strings as is, lists
// joined by commas (Asterisk's form for list parameters), the rest as JSON text.
func jsonParam(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil {
			parts := make([]string, len(list))
			for i, item := range list {
				parts[i] = jsonParam(item)
			}
			return strings.Join(parts, ",")
		}
	}
	return string(raw)
}

// reply is a REST response: status and an optional JSON body.
type reply struct {
	status int
	body   []byte
	// wait, when set, asks the server to wait (outside the lock) until the
	// channel is closed or the deadline passes, then run the handler again.
	wait     <-chan struct{}
	deadline time.Time
}

func errReply(status int, msg string) reply { return reply{status: status, body: errorBody(msg)} }

func jsonReply(status int, body []byte) reply { return reply{status: status, body: body} }

var noContent = reply{status: http.StatusNoContent}

// Asterisk's fixed replies.
var (
	replyAuth        = errReply(http.StatusUnauthorized, "Authentication required")
	replyNoResource  = errReply(http.StatusNotFound, "Resource not found")
	replyBadMethod   = errReply(http.StatusMethodNotAllowed, "Invalid method")
	replyNoChannel   = errReply(http.StatusNotFound, "Channel not found")
	replyNotInStasis = errReply(http.StatusConflict, "Channel not in Stasis application")
	replyNoPlayback  = errReply(http.StatusNotFound, "Playback not found")
	replyNoBridge    = errReply(http.StatusNotFound, "Bridge not found")
	replyNoApp       = errReply(http.StatusNotFound, "Application not found")
	replyNoRecording = errReply(http.StatusNotFound, "Recording not found")
)
