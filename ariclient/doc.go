// Package ariclient connects the engine to Asterisk over ARI (the Asterisk
// REST Interface). A [Client] implements [engine.ARI] for the engine's actions
// and feeds an [engine.EventSink] from Asterisk's event WebSockets.
//
// # What it owns
//
// Connections. [Client.Run] keeps exactly one WebSocket per Stasis application
// (GET {URL}/events?app=NAME, Basic auth, never subscribeAll: Asterisk was
// seen to deadlock when a subscribeAll application disconnected, and every
// extra subscriber costs it CPU). Each application has its own loop: dial
// bounded by HandshakeTimeout (Asterisk sometimes accepts TCP and never
// completes the upgrade), ping every PingInterval and treat two intervals
// without a frame or pong as a dead connection, and after any failure
// reconnect with exponential backoff and jitter, reset once a connection has
// stayed up for StableAfter. A connection that Asterisk hands to another
// client (ApplicationReplaced) ends the session and the next attempt waits the
// longest backoff. Network timing (dial, keepalive, backoff) uses the wall
// clock.
//
// The set of applications can change while Run runs ([Client.SetApps]): an
// added application gets its own loop at once, a removed one's connection is
// closed (with its Disconnected), and one removed and added again waits for
// its old loop to end, so an application never has two connections. Serve
// uses this to follow hot reloads of the flows.
//
// Resync. Asterisk neither replays nor catches up the events of a gap. After
// every (re)connect the client calls GET /applications/{app} and reports the
// channel ids to [engine.EventSink.Connected]; only then are frames read, so
// events that arrived meanwhile follow Connected in order (they may include a
// StasisStart for a channel already listed). Every Connected is followed by
// exactly one [engine.EventSink.Disconnected], also when Run's context ends.
//
// Decoding. Each frame is read in one pass into a small struct holding only
// what [engine.Event] needs, skipping the rest of the frame while checking its
// syntax (wire.go). It accepts, rejects and fills exactly what
// json.Unmarshal into that struct would (FuzzDecodeWire holds it to that) in
// a third of the time, and a seventh of ari.DecodeEvent's (see
// BenchmarkDecodeWire and BenchmarkDecode). Events outside [engine.EventType] and malformed frames are
// dropped, counted in [Stats] and logged at debug level; an unreadable
// timestamp does not cost an event. The options' clock is released once per
// frame read, after HandleEvent returned, including for dropped frames.
//
// REST. Actions go through a thin net/http client rather than the library's
// client/native, which takes no context, ignores its timeout settings and
// discards Asterisk's error text. Every request runs within RequestTimeout (or
// the caller's earlier deadline) and holds one of MaxInFlight slots; waiting
// for a slot respects the context. One shared transport caps connections per
// host at MaxInFlight, because Asterisk's HTTP server accepts 100 sessions in
// all, and closes idle connections before Asterisk's 15 s keep-alive does. A
// non-2xx answer becomes an [engine.ActionError] with Asterisk's message
// ({"message":...} or {"error":...}). Media lists are sent as a JSON body
// {"media":[...]}: repeated media= parameters would play only the last one.
// Adding an action is one request value; see actions.go.
package ariclient
