// Command flowrunner validates, tests, simulates and serves YAML call flows for
// Asterisk over ARI. Run `flowrunner help` for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes shared by every subcommand.
const (
	exitOK      = 0 // success
	exitInvalid = 1 // invalid flows, failed call, warnings under --strict
	exitUsage   = 2 // bad flags or arguments, unreadable files
)

// command is one subcommand: thin flag parsing and wiring only.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"validate", "check flow files (schema, references, expressions) as serve would load them", runValidate},
		{"graph", "print a flow as a diagram (Mermaid or Graphviz DOT)", runGraph},
		{"test", "run flow tests (*.test.yaml) offline on a virtual clock", runTest},
		{"simulate", "run one call through a flow against the built-in ARI simulator", runSimulate},
		{"serve", "serve flows to Asterisk over ARI", runServe},
		{"sim-server", "run the ARI simulator as a server, to run serve against", runSimServer},
		{"bench", "measure flowrunner under load against the ARI simulator (or an Asterisk)", runBench},
		{"healthcheck", "ask a running serve whether it is ready (for container health checks)", runHealthcheck},
		{"schema", "print the flow JSON Schema (for editors and CI)", runSchema},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "flowrunner: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "flowrunner: declarative call flows for Asterisk, served over ARI")
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "Usage: flowrunner <command> [flags] [args]")
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "")
	fmt.Fprintln(w, "Run 'flowrunner <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 invalid flows or failed call, 2 usage or I/O error.")
}
