package ariclient

import (
	"context"
	"slices"
	"testing"
)

func TestAppChannels(t *testing.T) {
	f := newFakeARI(t)
	c := newTestClient(t, f, nil)
	f.setChannels("hello-world", "1.1", "1.2")
	got, err := c.AppChannels(context.Background(), "hello-world")
	if err != nil || !slices.Equal(got, []string{"1.1", "1.2"}) {
		t.Fatalf("AppChannels = %v, %v", got, err)
	}
	if got, err := c.AppChannels(context.Background(), "other"); err != nil || len(got) != 0 {
		t.Fatalf("another application: %v, %v", got, err)
	}
}
