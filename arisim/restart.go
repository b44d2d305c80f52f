package arisim

// Restart simulates Asterisk restarting: every channel, with its playbacks,
// recordings and bridges, is gone at once without a single event (the process
// that would have sent them died), and every WebSocket is dropped. Clients
// reconnect to an Asterisk with no channels; stored recordings survive.
func (s *Server) Restart() {
	s.mu.Lock()
	s.silent = true
	for _, ch := range s.channels {
		s.silentDestroyLocked(ch)
	}
	for _, r := range s.liveRecs {
		r.stopTimer()
	}
	clear(s.bridges)
	s.silent = false
	s.mu.Unlock()
	s.DropWebSocket("")
}
