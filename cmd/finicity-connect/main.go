// Command finicity-connect calls every Data Connect Components operation
// from the command line, serves the local sandbox, and runs a demo of the
// whole journey with no credentials and no network.
//
//	go run ./cmd/finicity-connect demo
//	go run ./cmd/finicity-connect --help
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/finicity-go/connect-components/internal/cli"
)

func main() {
	// Cancelling the context on SIGINT/SIGTERM lets a running call stop and
	// the sandbox server shut down gracefully.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// A write to a closed pipe (finicity-connect ... | head) must fail
	// with EPIPE, reported as exit 4, instead of killing the process:
	// asking for SIGPIPE turns off the runtime's default of dying on it.
	// The output is written only after the state is saved, and this makes
	// sure nothing else can stop the process in between.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program, minus os.Exit, so tests call it in process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	return cli.Run(ctx, allCommands(), args, stdin, stdout, stderr, env)
}
