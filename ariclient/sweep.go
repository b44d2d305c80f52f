package ariclient

import "context"

// AppChannels lists the channels Asterisk holds in the application
// (GET /applications/{app}). For originated Local channels both halves are
// listed; acting on the half that is not in Stasis gives 409.
func (c *Client) AppChannels(ctx context.Context, app string) ([]string, error) {
	data, err := c.application(ctx, app)
	if err != nil {
		return nil, err
	}
	return data.ChannelIDs, nil
}
