// Package arisim is an ARI simulator: a real HTTP + WebSocket server that
// speaks the Asterisk REST Interface the way Asterisk 22.10.1 does on the wire
// (same URLs, status codes, error bodies, JSON shapes and key order, event
// order and timestamp format), with scripted callers, configurable media
// durations, a clock that can be virtual, fault injection and a transcript.
// Tests, `flowrunner simulate` (in process, virtual clock), `flowrunner
// sim-server` (standalone, real clock) and the benchmarks run against it.
//
// It owns the simulated Asterisk: channels (Local pairs and single
// channels), Stasis applications and their WebSockets, playbacks, bridges,
// recordings, a tiny dialplan, and the simulator's own /sim endpoints. It does
// not know the engine.
//
// # Use
//
//	srv := arisim.New(arisim.Options{Clock: clk, Username: "flow", Password: "flowpass"})
//	defer srv.Close()
//	hs := httptest.NewServer(srv) // or http.Server{Handler: srv.Handler()}
//	// ARI at hs.URL+"/ari", events at ws://…/ari/events?app=NAME
//	id, err := srv.PlaceCall(arisim.CallSpec{App: "hello-world", Inbound: true,
//		Script: arisim.Script{HangupAfter: 5 * time.Second}})
//	<-srv.Done(id) // the channel is gone
//	<-srv.Idle()   // no call is live
//
// Live and InStasis count live calls and channels in Stasis; Transcript (and
// WriteTranscript, in the traces' JSON-lines format) lists every request,
// response, event and socket change with its time on the server's clock;
// Options.Observer sees each entry as it happens.
//
// # The virtual clock
//
// All simulator time comes from Options.Clock. With a *clock.Virtual shared
// with the engine, the accounting rule is: for every event frame the
// simulator queues on a WebSocket it calls Hold once, and the receiver calls
// Release once it has handed the event on. A frame that can never be
// delivered (the socket closed first) is released by the simulator. A REST
// handler queues every event its request causes before it writes the
// response, so the clock never looks idle in between. Media, dialplan waits
// and scripted actions are clock timers. With clock.Real, Hold and Release do
// nothing.
//
// # Callers
//
// A call has a caller side and a Stasis side.
//
// Originated calls (POST /ari/channels?endpoint=Local/EXTEN@CTX&app=APP, or
// PlaceCall with Inbound false) have the originate shape: the app is
// subscribed to both halves of the Local channel; the ;2 half plays the
// caller, the ;1 half enters Stasis once the ;2 half answers, in state Up.
// The ;2 half follows, first match wins: the script query parameter (e.g.
// &script=dtmf%3D1%402s), Options.Scripts[EXTEN], the dialplan context CTX
// (built in: flowtest, cap-silent, cap-hangup, cap-dtmf, cap-record, silent,
// stasis-hello, as in ari/asterisk/extensions.conf; more via
// Options.Dialplan), else it answers and stays silent. The dialplan knows
// Answer, Wait, SendDTMF, Playback, MusicOnHold, Ringing, Stasis, Hangup and
// NoOp; the ;2 half's steps show up as ChannelDialplan events, and Answer
// waits for the first media frame (at most 500 ms) as on Asterisk.
//
// Inbound calls (PlaceCall or POST /sim/calls with Inbound) have the realistic
// inbound shape of hello-world-inbound.jsonl: the channel enters Stasis from
// the dialplan, unanswered (state Ring, app_name Stasis, app_data the app and
// its args), and the app hears it only while it is in Stasis: after StasisEnd
// no ChannelDestroyed comes. The channel is the ;2 half of Local/EXTEN@CTX, or
// a single channel such as PJSIP/alice-00000001 when CallSpec.Endpoint says so.
//
// # Scripts
//
// A Script says what the caller does after the call enters Stasis: press
// digits (at a time, or relative to the start of the N-th prompt), hang up (at
// a time, when the N-th prompt starts, or when some media starts), or stay
// silent. Its text form (ParseScript) is used by the CLI and the HTTP
// endpoints; clauses are separated by ";":
//
//	dtmf=PRESS[,PRESS...]   PRESS is DIGITS@WHEN; several digits arrive 300 ms apart
//	hangup=WHEN
//	silent                  ignore dtmf=
//
//	WHEN: 2s | 1500ms | 1.5 (after StasisStart)
//	      pN[+DURATION]     (after the N-th playback on the channel starts)
//	      MEDIA[+DURATION]  (hangup only: after media MEDIA starts, e.g. sound:demo-congrats+600ms)
//
// Examples: "dtmf=1@2s,#@3s;hangup=5s", "dtmf=123#@p1+500ms", "silent;hangup=p2".
// Digits reach the Stasis channel as ChannelDtmfReceived (duration_ms 100).
// A caller hanging up through a Local ;2 half runs Hangup(): ChannelDialplan,
// ChannelHangupRequest (cause 16, soft) on ;2, ChannelHangupRequest (cause
// 16) on ;1, ChannelDestroyed ;2, PlaybackFinished "failed" if a prompt was
// playing, StasisEnd, STASISSTATUS=SUCCESS, ChannelDestroyed ;1 — the order of
// hangup-during-playback.jsonl.
//
// # Callees
//
// A Callee is the far end of a channel the application creates or originates
// to a non-Local endpoint (PJSIP/…, SIP/…, IAX2/…, DAHDI/…: one channel, named
// like Asterisk's, e.g. PJSIP/alice-00000003). It rings, then answers, is
// busy, reports congestion, never answers, or cannot be reached; once it has
// answered it may press digits and hang up. Local endpoints keep following the
// dialplan. The callee of an endpoint is, first match wins:
// Options.Callees[endpoint] (or one set by POST /sim/callees), the resource
// naming convention (PJSIP/busy, SIP/noanswer, IAX2/unavailable,
// PJSIP/congestion, on any technology), Options.DefaultCallee, else
// StandardCallee: ring 1 s, answer, hang up 10 s after answering. Its text form
// (ParseCallee):
//
//	answer[=DURATION]       ring DURATION, then answer (default: at once, without ringing)
//	busy[=DURATION]         ring DURATION, then busy (default: at once)
//	congestion[=DURATION]   ring DURATION, then congestion (default: at once)
//	noanswer[=DURATION]     ring until the dial times out or is cancelled;
//	                        with DURATION the far end gives up after it (cause 19)
//	unavailable             the channel cannot be created
//	hangup=DURATION         hang up this long after answering
//	dtmf=DIGITS@DURATION[,...]   press digits this long after answering
//
// Examples: "answer=2s;hangup=30s", "busy", "noanswer", "congestion=1s",
// "answer=1s;dtmf=1@2s;hangup=5s".
//
// POST /channels/create then POST /channels/{id}/dial[?timeout=SECONDS] (the
// way to bridge an outbound call): create answers 200 and StasisStart (state
// Down) follows at once; dial answers 204, then, with every Dial event's peer
// the outbound channel and no caller key (Asterisk publishes them without a
// caller even when the caller parameter is given):
//
//	Dial "" (dialstring: the resource, e.g. "alice")
//	ringing:     ChannelStateChange Ringing, Dial RINGING (dialstring "")
//	answer:      ChannelStateChange Up, Dial ANSWER (dialstring "")
//	busy:        Dial BUSY, ChannelHangupRequest {cause 17}, StasisEnd,
//	             ChannelVarset STASISSTATUS=SUCCESS, ChannelDestroyed 17
//	congestion:  the same with CONGESTION and cause 34
//	gives up:    ChannelHangupRequest {cause 19}, StasisEnd, STASISSTATUS,
//	             ChannelDestroyed 19, without a Dial event
//	dial timeout (unanswered): ChannelHangupRequest {cause 32, soft}, StasisEnd,
//	             STASISSTATUS, ChannelDestroyed 16, without a Dial event
//	DELETE while ringing: the usual DELETE teardown, without a Dial event
//	hangup after answering: ChannelHangupRequest {cause 16}, (BRIDGEPEER="",
//	             ChannelLeftBridge if bridged), StasisEnd, STASISSTATUS,
//	             ChannelDestroyed 16
//
// unavailable: create answers 500 {"error":"Allocation failed"} and no channel
// exists. Digits pressed by the callee arrive as ChannelDtmfReceived on the
// outbound channel (and on the far ends of its bridge partners). dial without
// timeout rings without limit; a second dial is 409 "Channel is not in the
// 'Down' state".
//
// POST /channels (originate) to such an endpoint: Dial "" (dialstring the
// resource), ringing as above but Dial RINGING carries the dialstring; answer:
// ChannelStateChange Up, Dial ANSWER, STASISSTATUS="", StasisStart (state
// Up); busy, congestion or giving up: ChannelHangupRequest {cause}, Dial
// BUSY/CONGESTION/NOANSWER, ChannelDestroyed {cause}; the originate timeout
// (timeout parameter, default 30 s, -1 none) destroys it with cause 0
// ("Unknown") without a Dial event. A channel that is not answered never
// enters Stasis. unavailable: 500 "Allocation failed".
//
// # Simulator endpoints
//
// Under /sim, with the same authentication as ARI:
//
//	POST   /sim/calls?app=APP[&args=a,b][&script=S][&caller=NUM][&callerName=NAME]
//	                 [&endpoint=PJSIP/alice][&context=CTX][&exten=EXTEN][&channelId=ID]
//	                 [&shape=inbound|originate]
//	       places a call (inbound shape unless shape=originate); 200 with the
//	       Stasis channel's JSON; 409 when no WebSocket serves APP; 400 for a
//	       bad script.
//	GET    /sim/calls[?wait=idle[&timeout=10s]]
//	       {"live":N,"in_stasis":M,"channels":[{"id","name","state","app","in_stasis"},...]};
//	       with wait=idle it answers once no call is live (or at the timeout,
//	       wall clock).
//	DELETE /sim/calls/{channelId}          the caller hangs up now
//	POST   /sim/calls/{channelId}/dtmf?dtmf=DIGITS   the caller presses digits now
//	POST   /sim/callees?endpoint=PJSIP/alice&callee=answer%3D2s%3Bhangup%3D30s
//	       from now on the endpoint behaves as the callee (ParseCallee's form);
//	       204, or 400 for a bad endpoint or callee
//	GET    /sim/callees      {"PJSIP/alice":"answer=2s;hangup=30s",...}
//	DELETE /sim/callees?endpoint=PJSIP/alice   back to the convention or default
//	POST   /sim/load?app=APP&calls=N[&rate=R][&concurrency=C][&duration=D]
//	                 [&script=S][&endpoint=PJSIP/caller][&args=a,b][&shape=inbound|originate]
//	       the simulator places a stream of calls itself (StartLoad, LoadSpec),
//	       paced by the wall clock, so a benchmark's load generator costs the
//	       measured process nothing; 200 with the LoadStats; 409 while a load
//	       is placing
//	GET    /sim/load[?wait=done[&timeout=10s]]
//	       {"placed","ended","failed","live","peak_live","placing","done","placing_seconds"}
//	DELETE /sim/load         stops placing; calls already placed go on
//
// A separate process can also place calls exactly as on Asterisk, with
// POST /ari/channels?endpoint=Local/s@CTX&app=APP[&script=S].
//
// # Media
//
// sound:hello-world lasts 1.403 s, sound:vm-goodbye 0.864 s,
// sound:demo-congrats 30 s, other sounds Options.DefaultSoundDuration (2 s);
// digits: and characters: 0.83 s per character, number: 0.845 s per digit;
// tone: plays until stopped; recording: the stored recording's length.
// Options.Media overrides any URI (a negative duration plays until stopped).
// Sounds whose name contains "does-not-exist", and Options.MissingSounds,
// fail as in missing-sound.jsonl (Started, then at once Finished "failed"; in
// a list the item is skipped). An unknown scheme (bogus:xyz) gets
// PlaybackStarted and never PlaybackFinished, and the playback vanishes.
// Repeated media= parameters play only the last; a list is one comma-separated
// parameter or a JSON body {"media":[...]}; no media is 500 "Failed to queue
// media for playback". Stopping a playback finishes it "done". Plays on one
// channel queue behind each other.
//
// # Faults
//
// Options.Faults (or SetFaults) injects misbehaviour: per request a Fault
// (wall-clock delay, abort the connection, answer with a status, drop every
// WebSocket), and per event LoseEvent (the event is never sent). DropWebSocket
// drops an app's socket abruptly. Injected faults appear in the transcript as
// "fault" entries.
//
// # Fidelity notes
//
// Channel ids are the creation time in Unix seconds plus a server-wide
// sequence (1795644012.44; the ;2 half gets the next number); Local channels
// are named Local/EXTEN@CTX-0000002a;1 and ;2; playback ids are UUIDs unless
// the client gives one. A second WebSocket for an app takes it over: the old
// socket gets ApplicationReplaced and is closed once it serves no other app.
// While no socket serves an app its events are discarded; an app without a
// socket stays listed by /applications while channels are still in it, and an
// originate into it answers 200 and the channel dies at once
// (originate-no-websocket.jsonl). Nothing is replayed on reconnect.
//
// Replays of the captured traces (testdata/traces, copied from
// ari/traces) check event order, shapes, statuses and messages. Known
// differences: GET /channels lists newest first (Asterisk: hash order);
// RecordingFinished's duration is the recording's whole seconds (Asterisk
// reported 3 for a 2 s maxDurationSeconds recording); callees are derived
// from Asterisk's source (res_stasis' dial, the bridging core's Dial events,
// the dialing API), not from captured traces, except the ANSWER shape of
// originate-bridge.jsonl: whether a PJSIP far end's busy or congestion shows
// as a Dial event depends on the channel driver signalling it, so a client
// should also read the hangup cause; ringing starts at the dial, with no 100
// Trying delay; POST /applications/…/
// subscription, snoop, externalMedia, redirect, move and bridge playback are
// not implemented (404); ChannelDialplan shows a scripted caller as Answer()
// then Wait() without data; Asterisk's races (events around the REST
// response) are resolved one way: events first.
package arisim
