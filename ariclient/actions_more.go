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

// GetVar reads a channel variable: GET /channels/{id}/variable?variable=NAME.
// Asterisk answers 404 "Provided variable was not found" for a variable the
// channel does not have; that reads as "".
func (c *Client) GetVar(ctx context.Context, channelID, name string) (string, error) {
	if err := need("get_var", channelID, name); err != nil {
		return "", err
	}
	var out struct {
		Value string `json:"value"`
	}
	err := c.do(ctx, request{op: "get_var", method: http.MethodGet,
		path:  "/channels/" + seg(channelID) + "/variable",
		query: url.Values{"variable": {name}}, out: &out})
	if ae, ok := err.(*engine.ActionError); ok && ae.Status == http.StatusNotFound &&
		strings.Contains(ae.Message, "variable was not found") {
		return "", nil
	}
	return out.Value, err
}

// SetVar sets a channel variable: POST /channels/{id}/variable with a JSON body.
func (c *Client) SetVar(ctx context.Context, channelID, name, value string) error {
	if err := need("set_var", channelID, name); err != nil {
		return err
	}
	return c.do(ctx, request{op: "set_var", method: http.MethodPost,
		path: "/channels/" + seg(channelID) + "/variable",
		body: map[string]string{"variable": name, "value": value}})
}

// MOH starts (POST) or stops (DELETE) music on hold: /channels/{id}/moh.
func (c *Client) MOH(ctx context.Context, channelID, class string, stop bool) error {
	if err := need("moh", channelID); err != nil {
		return err
	}
	r := request{op: "moh", method: http.MethodPost, path: "/channels/" + seg(channelID) + "/moh"}
	if stop {
		r.method = http.MethodDelete
	} else if class != "" {
		r.query = url.Values{"mohClass": {class}}
	}
	return c.do(ctx, r)
}

// Ring starts (POST) or stops (DELETE) ringing indication: /channels/{id}/ring.
func (c *Client) Ring(ctx context.Context, channelID string, stop bool) error {
	if err := need("ring", channelID); err != nil {
		return err
	}
	r := request{op: "ring", method: http.MethodPost, path: "/channels/" + seg(channelID) + "/ring"}
	if stop {
		r.method = http.MethodDelete
	}
	return c.do(ctx, r)
}

// SendDTMF sends tones: POST /channels/{id}/dtmf?dtmf=D[&between=ms][&duration=ms].
func (c *Client) SendDTMF(ctx context.Context, channelID string, req engine.DTMFRequest) error {
	if err := need("send_dtmf", channelID, req.Digits); err != nil {
		return err
	}
	q := url.Values{"dtmf": {req.Digits}}
	if req.Between > 0 {
		q.Set("between", strconv.FormatInt(req.Between.Milliseconds(), 10))
	}
	if req.Duration > 0 {
		q.Set("duration", strconv.FormatInt(req.Duration.Milliseconds(), 10))
	}
	return c.do(ctx, request{op: "send_dtmf", method: http.MethodPost,
		path: "/channels/" + seg(channelID) + "/dtmf", query: q})
}

// Record starts a recording: POST /channels/{id}/record with name, format,
// limits in whole seconds (rounded up), beep, terminateOn and ifExists=fail.
func (c *Client) Record(ctx context.Context, channelID string, req engine.RecordRequest) error {
	if err := need("record", channelID, req.Name, req.Format); err != nil {
		return err
	}
	q := url.Values{"name": {req.Name}, "format": {req.Format}, "ifExists": {"fail"}}
	if req.MaxDuration > 0 {
		q.Set("maxDurationSeconds", strconv.Itoa(ceilSeconds(req.MaxDuration)))
	}
	if req.MaxSilence > 0 {
		q.Set("maxSilenceSeconds", strconv.Itoa(ceilSeconds(req.MaxSilence)))
	}
	if req.Beep {
		q.Set("beep", "true")
	}
	if req.TerminateOn != "" {
		q.Set("terminateOn", req.TerminateOn)
	}
	return c.do(ctx, request{op: "record", method: http.MethodPost,
		path: "/channels/" + seg(channelID) + "/record", query: q})
}

// StopRecording stops a live recording and keeps it:
// POST /recordings/live/{name}/stop.
func (c *Client) StopRecording(ctx context.Context, name string) error {
	if err := need("stop_recording", name); err != nil {
		return err
	}
	return c.do(ctx, request{op: "stop_recording", method: http.MethodPost,
		path: "/recordings/live/" + seg(name) + "/stop"})
}

func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
