// Package baseline is a minimal hand-written Go ARI application that serves
// the hello-world call (answer, play sound:hello-world, wait for its
// PlaybackFinished, pause 1 s, hang up), exactly what examples/hello-world.yaml
// does. It is the yardstick of `flowrunner bench --baseline`: flowrunner's
// CPU per call is compared with this app's, on the same ARI library and the
// same simulator, and the target is to stay within 1.2× of it.
//
// It is written the way a competent Go developer writes such an app with
// github.com/CyCoreSystems/ari/v6 and nothing more: the library's native
// client (its WebSocket, its event bus and its REST handles), exactly one bus
// subscription for StasisStart, PlaybackFinished and StasisEnd, one
// dispatcher that routes events by channel id and playback id through maps,
// and one goroutine per call running the sequence. A timer bounds the wait
// for PlaybackFinished, so a lost event never strands a caller, and StasisEnd
// (the caller hung up) ends the call's goroutine.
//
// It is not a framework and has no reconnect handling beyond the library's
// own. [App.Run] blocks until its context ends and returns once every call
// goroutine has returned; calls still live then are left as they are.
//
// Library behaviour it works around: the client is stopped by cancelling the
// context it connected with rather than with Close, which races with the
// client's own connection loop (both write its connected flag) and panics
// when the connect never got as far as creating the bus; ConnectWithContext
// returns no error when its context ends before it connects; and the REST
// client is a zero http.Client, so its keep-alive connections live in
// http.DefaultTransport, whose idle connections Run closes on its way out.
// The library's WebSocket goroutines end shortly after Run returns; they
// cannot be joined.
package baseline
