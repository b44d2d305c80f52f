package engine

import (
	"context"
	"errors"
	"time"
)

// A hangup that failed for a reason that may pass (a 5xx, a timeout, a
// dropped connection) is retried this many times, attempt n after n×
// hangupRetryDelay, so that the caller is not left in Stasis. The call itself
// does not wait for the retries.
const (
	hangupRetries    = 3
	hangupRetryDelay = 500 * time.Millisecond
)

// retryHangup schedules another attempt at hanging up channel, if err may
// pass and attempts remain.
func (e *Engine) retryHangup(channel, reason string, err error, attempt int) {
	var ae *ActionError
	if errors.As(err, &ae) && ae.Status < 500 {
		return // gone (404), not in Stasis (409) or refused: retrying will not help
	}
	if attempt > hangupRetries {
		e.log.Error("giving up hanging up the channel", "channel_id", channel, "attempts", attempt, "err", err)
		return
	}
	e.clock.AfterFunc(time.Duration(attempt)*hangupRetryDelay, func() {
		e.clock.Hold()
		go func() {
			defer e.clock.Release()
			ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ActionTimeout)
			defer cancel()
			if err := e.ari.Hangup(ctx, channel, reason); err != nil && !channelGone(err) {
				e.stats.ActionErrors.Add(1)
				e.retryHangup(channel, reason, err, attempt+1)
			}
		}()
	})
}
