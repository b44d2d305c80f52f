package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// TestMain lets tests run the real flowrunner binary: with
// FLOWRUNNER_TEST_MAIN=1 the test binary behaves as flowrunner itself, so a
// test can start `serve` and `sim-server` as separate processes and check
// their exit codes.
func TestMain(m *testing.M) {
	if os.Getenv("FLOWRUNNER_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
