package ariclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/flowrunner/flowrunner/engine"
)

// Originate creates and dials an outbound channel into an application:
// POST /channels?endpoint=E&app=A&appArgs=X,Y&channelId=ID[&callerId=C]
// [&timeout=S][&formats=F] with the channel variables in the body. The
// timeout is in whole seconds, rounded up.
func (c *Client) Originate(ctx context.Context, req engine.OriginateRequest) error {
	if err := need("originate", req.ChannelID, req.Endpoint, req.App); err != nil {
		return err
	}
	q := url.Values{"endpoint": {req.Endpoint}, "app": {req.App}, "channelId": {req.ChannelID}}
	if len(req.AppArgs) > 0 {
		q.Set("appArgs", strings.Join(req.AppArgs, ","))
	}
	if req.CallerID != "" {
		q.Set("callerId", req.CallerID)
	}
	if req.Timeout > 0 {
		q.Set("timeout", strconv.Itoa(ceilSeconds(req.Timeout)))
	}
	if req.Formats != "" {
		q.Set("formats", req.Formats)
	}
	r := request{op: "originate", method: http.MethodPost, path: "/channels", query: q}
	if len(req.Variables) > 0 {
		r.body = map[string]any{"variables": req.Variables}
	}
	return c.do(ctx, r)
}
