package ariclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/CyCoreSystems/ari/v6"
	"github.com/flowrunner/flowrunner/engine"
)

// Each action checks its ids locally (an empty id would address another
// resource) and maps to one request.

func need(op string, ids ...string) error {
	for _, id := range ids {
		if id == "" {
			return fmt.Errorf("ari %s: empty id", op)
		}
	}
	return nil
}

// Answer answers the channel: POST /channels/{id}/answer.
func (c *Client) Answer(ctx context.Context, channelID string) error {
	if err := need("answer", channelID); err != nil {
		return err
	}
	return c.do(ctx, request{op: "answer", method: http.MethodPost,
		path: "/channels/" + seg(channelID) + "/answer"})
}

// playBody sends the media list as JSON: repeated media= query parameters
// would make Asterisk play only the last one.
type playBody struct {
	Media []string `json:"media"`
}

// Play starts media on the channel as one playback with the caller-chosen id:
// POST /channels/{id}/play/{playbackId}[?lang=L] with body {"media":[...]}.
func (c *Client) Play(ctx context.Context, channelID, playbackID string, req engine.PlayRequest) error {
	if err := need("play", channelID, playbackID); err != nil {
		return err
	}
	if len(req.Media) == 0 {
		return errors.New("ari play: no media")
	}
	var q url.Values
	if req.Language != "" {
		q = url.Values{"lang": {req.Language}}
	}
	return c.do(ctx, request{op: "play", method: http.MethodPost,
		path:  "/channels/" + seg(channelID) + "/play/" + seg(playbackID),
		query: q, body: playBody{Media: req.Media}})
}

// StopPlayback stops a playback: DELETE /playbacks/{id}.
func (c *Client) StopPlayback(ctx context.Context, playbackID string) error {
	if err := need("stop", playbackID); err != nil {
		return err
	}
	return c.do(ctx, request{op: "stop", method: http.MethodDelete,
		path: "/playbacks/" + seg(playbackID)})
}

// Hangup hangs up the channel: DELETE /channels/{id}[?reason=R].
func (c *Client) Hangup(ctx context.Context, channelID, reason string) error {
	if err := need("hangup", channelID); err != nil {
		return err
	}
	var q url.Values
	if reason != "" {
		q = url.Values{"reason": {reason}}
	}
	return c.do(ctx, request{op: "hangup", method: http.MethodDelete,
		path: "/channels/" + seg(channelID), query: q})
}

// Continue sends the channel back to the dialplan:
// POST /channels/{id}/continue with the target's non-empty fields.
func (c *Client) Continue(ctx context.Context, channelID string, to engine.DialplanTarget) error {
	if err := need("continue", channelID); err != nil {
		return err
	}
	q := url.Values{}
	if to.Context != "" {
		q.Set("context", to.Context)
	}
	if to.Extension != "" {
		q.Set("extension", to.Extension)
	}
	if to.Priority > 0 {
		q.Set("priority", strconv.Itoa(to.Priority))
	}
	if to.Label != "" {
		q.Set("label", to.Label)
	}
	return c.do(ctx, request{op: "continue", method: http.MethodPost,
		path: "/channels/" + seg(channelID) + "/continue", query: q})
}

// application fetches GET /applications/{app}, the resync after a connect.
func (c *Client) application(ctx context.Context, app string) (*ari.ApplicationData, error) {
	var data ari.ApplicationData
	err := c.do(ctx, request{op: "resync", method: http.MethodGet,
		path: "/applications/" + seg(app), out: &data})
	if err != nil {
		return nil, err
	}
	return &data, nil
}
