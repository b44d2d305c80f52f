// Command hello-baseline runs the baseline hello-world ARI application (see
// package baseline) against an Asterisk until SIGINT or SIGTERM, then prints
// its counters.
//
//	hello-baseline --ari-url http://127.0.0.1:8088/ari --ari-user U --ari-password P
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/flowrunner/flowrunner/bench/baseline"
)

func main() {
	url := flag.String("ari-url", "http://localhost:8088/ari", "ARI base URL")
	user := flag.String("ari-user", "", "ARI username")
	password := flag.String("ari-password", "", "ARI password")
	app := flag.String("app", "hello-world", "Stasis application name")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := baseline.New(baseline.Options{
		URL:      *url,
		Username: *user,
		Password: *password,
		App:      *app,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	err := a.Run(ctx)
	s := a.Stats()
	fmt.Printf("started %d, completed %d, hung up by caller %d, errors %d\n", s.Started, s.Completed, s.HungUp, s.Errors)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello-baseline:", err)
		os.Exit(1)
	}
}
