package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/flowrunner/flowrunner/ariclient"
	"github.com/flowrunner/flowrunner/engine"
)

// sweepApps hands back to the dialplan (or hangs up, per policy) every channel
// Asterisk still holds in our applications once the drain is over: a call
// whose StasisStart was still on its way when serve stopped would otherwise be
// left in Stasis when the WebSocket closes. Channels that are not in Stasis
// (the other half of a Local channel) answer 409, which is fine.
func sweepApps(client *ariclient.Client, policy engine.UnroutedPolicy, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, app := range client.Apps() {
		ids, err := client.AppChannels(ctx, app)
		if err != nil {
			log.Warn("drain sweep: listing the application's channels", "app", app, "err", err)
			continue
		}
		for _, id := range ids {
			if policy == engine.UnroutedHangup {
				err = client.Hangup(ctx, id, "")
			} else {
				err = client.Continue(ctx, id, engine.DialplanTarget{})
			}
			switch {
			case err == nil:
				log.Info("drain sweep: handed a late call back", "app", app, "channel_id", id)
			case !engine.IsNotFound(err) && !isConflict(err):
				log.Warn("drain sweep", "app", app, "channel_id", id, "err", err)
			}
		}
	}
}

func isConflict(err error) bool {
	ae, ok := err.(*engine.ActionError)
	return ok && ae.Status == 409
}
