package ariclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// CreateChannel creates an outbound channel without dialling it:
// POST /channels/create?endpoint=E&app=A&channelId=ID[&originator=O] with the
// channel variables in the body.
func (c *Client) CreateChannel(ctx context.Context, req engine.CreateRequest) error {
	if err := need("create", req.ChannelID, req.Endpoint, req.App); err != nil {
		return err
	}
	q := url.Values{"endpoint": {req.Endpoint}, "app": {req.App}, "channelId": {req.ChannelID}}
	if req.Originator != "" {
		q.Set("originator", req.Originator)
	}
	r := request{op: "create", method: http.MethodPost, path: "/channels/create", query: q}
	if len(req.Variables) > 0 {
		r.body = map[string]any{"variables": req.Variables}
	}
	return c.do(ctx, r)
}

// Dial dials a created channel: POST /channels/{id}/dial?caller=C&timeout=S
// (whole seconds, rounded up).
func (c *Client) Dial(ctx context.Context, channelID, caller string, timeout time.Duration) error {
	if err := need("dial", channelID); err != nil {
		return err
	}
	q := url.Values{}
	if caller != "" {
		q.Set("caller", caller)
	}
	if timeout > 0 {
		q.Set("timeout", strconv.Itoa(ceilSeconds(timeout)))
	}
	return c.do(ctx, request{op: "dial", method: http.MethodPost,
		path: "/channels/" + seg(channelID) + "/dial", query: q})
}

// CreateBridge creates a bridge: POST /bridges/{id}?type=T.
func (c *Client) CreateBridge(ctx context.Context, bridgeID, bridgeType string) error {
	if err := need("bridge_create", bridgeID); err != nil {
		return err
	}
	return c.do(ctx, request{op: "bridge_create", method: http.MethodPost,
		path: "/bridges/" + seg(bridgeID), query: url.Values{"type": {bridgeType}}})
}

// AddToBridge adds channels: POST /bridges/{id}/addChannel?channel=A,B.
func (c *Client) AddToBridge(ctx context.Context, bridgeID string, channelIDs []string) error {
	if err := need("bridge_add", append([]string{bridgeID}, channelIDs...)...); err != nil {
		return err
	}
	return c.do(ctx, request{op: "bridge_add", method: http.MethodPost,
		path:  "/bridges/" + seg(bridgeID) + "/addChannel",
		query: url.Values{"channel": {strings.Join(channelIDs, ",")}}})
}

// DeleteBridge destroys a bridge: DELETE /bridges/{id}.
func (c *Client) DeleteBridge(ctx context.Context, bridgeID string) error {
	if err := need("bridge_delete", bridgeID); err != nil {
		return err
	}
	return c.do(ctx, request{op: "bridge_delete", method: http.MethodDelete,
		path: "/bridges/" + seg(bridgeID)})
}
