// Package reload owns the set of flows a running flowrunner serves: it loads
// the flows directory, and reloads it whenever a file watcher, SIGHUP or the
// admin endpoint asks, without disturbing a call.
//
// # One owner
//
// Every reload runs on the goroutine of [Reloader.Run], one at a time:
// [Reloader.Reload] sends it a request and waits for the [Result], whether it
// comes from the [Watcher], a signal handler or an HTTP handler. The startup
// load is the same routine.
//
// # What a reload does
//
// It lists the flow files as engine.FlowFiles does (recursively, *.yaml and
// *.yml, not *.test.yaml, skipping hidden entries), reads each one and hashes
// it. A file whose content hash is the one last loaded keeps its compiled
// *engine.Flow, the identical pointer, and is not loaded again: neither a
// good file nor a rejected one (its diagnostics are kept until it changes).
// Changed files are loaded with engine.Load, on half the CPUs, off to the
// side. The new registry is then swapped in with one call to Options.Swap
// (engine.(*Engine).SetFlows), and only if a flow changed.
//
// Failure is per file. A file that fails to load is rejected with the
// diagnostics of `flowrunner validate` (file:line:col); its previous version,
// if it had one, keeps serving, and a new file that fails is simply absent. A
// deleted file's flow is removed. Two files claiming one flow name: the file
// that served the name before keeps it and the other is rejected, with an
// error naming both; if neither served it, both are rejected. The flows are
// then checked together as engine.CheckCalls checks them: new content whose
// call step names a flow that is not there is rejected the same way, while a
// flow that keeps serving and lost a called flow (removed, or rejected) serves
// on with the problem reported (its call step fails into on_error).
//
// An unreadable or missing directory changes nothing. Every rejected file's
// errors are in each Result until the file is fixed, so the last reload's
// success is always the state of the directory.
//
// Calls are never touched: the engine resolves a call's flow once, at
// StasisStart, and the call keeps that *engine.Flow (its version is the
// content hash, engine.Version) until it ends.
//
// # Watching
//
// A [Watcher] watches the directory tree with fsnotify, waits for a burst of
// events to be quiet for a debounce period (DefaultDebounce, 250 ms; at most
// 4× that after the first event) and reloads; the reload rescans everything,
// so editors that save through a rename, deleted and recreated
// subdirectories, and Kubernetes ConfigMap volumes (files are symlinks
// through ..data, replaced by renaming ..data_tmp over it) all work. The
// directory itself being replaced by another is not seen: send SIGHUP.
//
// # Applications
//
// [AppSync] keeps one Stasis application per flow registered with Asterisk
// as flows come and go, keeping a removed flow's application until its last
// call has ended.
//
// # Observing
//
// [Reloader.Subscribe] calls a function with every Result (tests wait on it;
// metrics and logs are fed by it), and [Reloader.Status] is a snapshot for
// the admin endpoint.
package reload
