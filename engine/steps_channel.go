package engine

import (
	"context"
	"strings"
)

// enterChannelAction runs the steps that are a few REST actions on the
// caller's channel and finish when they succeed: get_var, set_var, moh, ring
// and send_dtmf.
func (c *Call) enterChannelAction(s *state) (int, bool) {
	var ops []*op
	switch s.kind {
	case kindGetVar:
		for _, v := range s.chanVars {
			name := v.channel
			o := &op{name: "get_var", gen: c.gen, channel: c.id, into: v.varName,
				run: func(ctx context.Context, a ARI) (string, error) { return a.GetVar(ctx, c.id, name) }}
			ops = append(ops, o)
		}
	case kindSetVar:
		for i := range s.chanVars {
			v := &s.chanVars[i]
			value, err := c.render(&v.value)
			if err != nil {
				return c.failNext(s, err)
			}
			name := v.channel
			ops = append(ops, c.channelOp("set_var", func(ctx context.Context, a ARI) error {
				return a.SetVar(ctx, c.id, name, value)
			}))
		}
	case kindMOH:
		class, stop := s.class, s.stop
		ops = append(ops, c.channelOp("moh", func(ctx context.Context, a ARI) error {
			return a.MOH(ctx, c.id, class, stop)
		}))
	case kindRing:
		stop := s.stop
		ops = append(ops, c.channelOp("ring", func(ctx context.Context, a ARI) error {
			return a.Ring(ctx, c.id, stop)
		}))
	case kindSendDTMF:
		digits, err := c.render(&s.dtmf.digits)
		if err != nil {
			return c.failNext(s, err)
		}
		if digits = strings.TrimSpace(digits); digits == "" {
			return c.follow(s, outcomeNone) // nothing to send
		}
		req := DTMFRequest{Digits: digits, Between: s.dtmf.between, Duration: s.dtmf.duration}
		ops = append(ops, c.channelOp("send_dtmf", func(ctx context.Context, a ARI) error {
			return a.SendDTMF(ctx, c.id, req)
		}))
	}
	c.waiting = waitAction
	c.stepOps = len(ops)
	for _, o := range ops {
		c.do(o)
	}
	return 0, true
}

// enterTransfer hands the call back to the dialplan; the call ends for the
// flow when Asterisk reports it left Stasis.
func (c *Call) enterTransfer(s *state) (int, bool) {
	c.setReason(EndTransferred)
	c.stopPlayback()
	to := s.dialplan
	c.do(c.channelOp("continue", func(ctx context.Context, a ARI) error { return a.Continue(ctx, c.id, to) }))
	c.waiting = waitAction
	return 0, true
}
