package ariclient

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/flowrunner/flowrunner/engine"
)

// TestOnRequest: every REST request is reported once, with its operation and
// its error.
func TestOnRequest(t *testing.T) {
	f := newFakeARI(t)
	type seen struct {
		op  string
		d   time.Duration
		err error
	}
	var mu sync.Mutex
	var got []seen
	c := newTestClient(t, f, func(o *Options) {
		o.OnRequest = func(op string, d time.Duration, err error) {
			mu.Lock()
			got = append(got, seen{op, d, err})
			mu.Unlock()
		}
	})
	ctx := context.Background()
	if err := c.Answer(ctx, "1.1"); err != nil {
		t.Fatal(err)
	}
	f.nextRequest(t)
	f.setResponder(func(w http.ResponseWriter, r *http.Request, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"Internal Server Error"}`))
	})
	err := c.Hangup(ctx, "1.1", "")
	f.nextRequest(t)
	var ae *engine.ActionError
	if !errors.As(err, &ae) || ae.Status != 500 {
		t.Fatalf("Hangup = %v, want a 500", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].op != "answer" || got[0].err != nil || got[0].d <= 0 ||
		got[1].op != "hangup" || !errors.As(got[1].err, &ae) {
		t.Fatalf("OnRequest calls %+v", got)
	}
	if st := c.Stats(); st.RESTRequests != 2 || st.RESTErrors != 1 || c.InFlight() != 0 {
		t.Fatalf("stats %+v, in flight %d", st, c.InFlight())
	}
}
