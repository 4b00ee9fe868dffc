package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/finicity-go/connect-components/internal/sandbox"
)

// shutdownGrace bounds how long in-flight requests may finish after
// SIGINT/SIGTERM.
const shutdownGrace = 5 * time.Second

func serveSandbox(fs *flag.FlagSet) func(context.Context, *invocation) error {
	addr := fs.String("addr", "127.0.0.1:4010", "address to listen on")
	checkTokens := fs.Bool("check-tokens", false, "accept only tokens this sandbox issued (partner authentication), expiring after --token-lifetime")
	lifetime := fs.Duration("token-lifetime", sandbox.DefaultTokenLifetime, "lifetime of issued tokens")
	maxBody := fs.Int64("max-body-bytes", sandbox.DefaultMaxBodyBytes, "largest request body accepted")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		if *lifetime <= 0 || *maxBody <= 0 {
			return usagef("--token-lifetime and --max-body-bytes must be positive")
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return usagef("cannot listen on --addr %s: %v", *addr, err)
		}
		base := "http://" + ln.Addr().String()
		sb := sandbox.New(sandbox.WithTokenCheck(*checkTokens), sandbox.WithTokenLifetime(*lifetime),
			sandbox.WithMaxBodyBytes(*maxBody), sandbox.WithPublicURL(base))
		srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}

		host, _, _ := net.SplitHostPort(ln.Addr().String())
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			fmt.Fprintf(in.stderr, "warning: the sandbox listens beyond this machine (%s); it has no real security\n", host)
		}
		fmt.Fprintf(in.stderr, "sandbox listening on %s (token checking %s; partner credentials %s / %s)\n",
			base, onOff(*checkTokens), sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
		fmt.Fprintf(in.stderr, "try: FINICITY_APP_KEY=k FINICITY_APP_TOKEN=t FINICITY_BASE_URL=%s finicity-connect configurations list\n", base)

		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		select {
		case err := <-served:
			return fmt.Errorf("sandbox server stopped: %w", err)
		case <-ctx.Done():
		}
		fmt.Fprintln(in.stderr, "shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("sandbox shutdown: %w", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
