package arisim

import (
	"net/http"
	"strings"
)

func registerAsterisk(r *node) {
	r.handle("GET", "/asterisk/info", getInfo)
	r.handle("GET", "/asterisk/ping", ping)
}

// getInfo serves GET /asterisk/info, which the Go ARI library calls after
// every (re)connect; it needs system.entity_id.
func getInfo(s *Server, rq *request) reply {
	only := rq.str("only")
	want := func(part string) bool {
		if only == "" {
			return true
		}
		for _, p := range strings.Split(only, ",") {
			if strings.TrimSpace(p) == part {
				return true
			}
		}
		return false
	}
	b := []byte{'{'}
	if want("build") {
		b = append(b, `"build":{"os":"Linux","kernel":"6.1.0","options":"","machine":"x86_64","date":"2026-01-01 00:00:00 UTC","user":"arisim"}`...)
	}
	if want("system") {
		b = appendKey(b, "system")
		b = append(b, `{"version":"22.10.1"`...)
		b = append(appendKeyStr(b, "entity_id", s.id), '}')
	}
	if want("config") {
		b = appendKey(b, "config")
		b = append(b, `{"name":"arisim","default_language":"en","setid":{"user":"","group":""}}`...)
	}
	if want("status") {
		b = appendKey(b, "status")
		b = append(b, `{"startup_time":`...)
		b = appendTime(b, s.start)
		b = append(b, `,"last_reload_time":`...)
		b = appendTime(b, s.start)
		b = append(b, '}')
	}
	return jsonReply(http.StatusOK, append(b, '}'))
}

func ping(s *Server, _ *request) reply {
	b := []byte{'{'}
	b = appendKeyStr(b, "asterisk_id", s.id)
	b = appendKeyStr(b, "ping", "pong")
	b = appendTime(appendKey(b, "timestamp"), s.clk.Now())
	return jsonReply(http.StatusOK, append(b, '}'))
}
