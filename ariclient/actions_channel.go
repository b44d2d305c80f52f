package ariclient

import (
	"context"
	"net/http"

	"github.com/flowrunner/flowrunner/engine"
)

// GetChannel reads a channel: GET /channels/{id}.
func (c *Client) GetChannel(ctx context.Context, channelID string) (engine.ChannelInfo, error) {
	if err := need("get_channel", channelID); err != nil {
		return engine.ChannelInfo{}, err
	}
	var ch struct {
		wireChannel
		Dialplan struct {
			Context  string `json:"context"`
			Exten    string `json:"exten"`
			Priority int    `json:"priority"`
			AppName  string `json:"app_name"`
			AppData  string `json:"app_data"`
		} `json:"dialplan"`
	}
	err := c.do(ctx, request{op: "get_channel", method: http.MethodGet,
		path: "/channels/" + seg(channelID), out: &ch})
	if err != nil {
		return engine.ChannelInfo{}, err
	}
	return engine.ChannelInfo{
		Name: ch.Name, State: ch.State, CallerName: ch.Caller.Name, CallerNumber: ch.Caller.Number,
		Language: ch.Language, Context: ch.Dialplan.Context, Extension: ch.Dialplan.Exten,
		Priority: ch.Dialplan.Priority, AppName: ch.Dialplan.AppName, AppData: ch.Dialplan.AppData,
	}, nil
}
