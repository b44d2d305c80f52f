package engine

import (
	"context"
	"strings"
)

// adopt looks at channels Asterisk lists in app that the engine has no call
// for. One that is in Stasis for app had its StasisStart lost (the event
// stream dropped just as it was sent): the engine starts its call as if the
// event had come, so the caller is not left in silence. Others (the other half
// of a Local channel, a channel in the dialplan) are left alone.
func (e *Engine) adopt(app string, ids []string) {
	e.clock.Hold()
	go func() {
		defer e.clock.Release()
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ActionTimeout)
			info, err := e.ari.GetChannel(ctx, id)
			cancel()
			if err != nil {
				if !IsNotFound(err) {
					e.log.Warn("resync: reading an unknown channel", "app", app, "channel_id", id, "err", err)
				}
				continue
			}
			args := strings.Split(info.AppData, ",")
			if info.AppName != "Stasis" || args[0] != app {
				continue
			}
			e.stats.CallsAdopted.Add(1)
			e.log.Warn("resync: adopting a call whose StasisStart was lost", "app", app, "channel_id", id)
			e.HandleEvent(&Event{Type: EventStasisStart, Time: e.now(), Application: app, ChannelID: id,
				Args: args[1:], Channel: info})
		}
	}()
}
