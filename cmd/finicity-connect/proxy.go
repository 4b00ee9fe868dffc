package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/proxy"
)

// proxyDefaultAddr is where the proxy listens by default.
const proxyDefaultAddr = "127.0.0.1:4011"

// proxyCommand is finicity-connect proxy (internal/proxy): a reverse
// proxy in front of the API that forwards every request unchanged and
// checks each exchange against the embedded spec, reporting departures
// on stderr and in --report, and recording a secret-free HAR.
func proxyCommand(fs *flag.FlagSet) cli.Action {
	upstream := fs.String("upstream", "", "the API to forward to, e.g. https://api.finicity.com (plain http only for loopback)")
	addr := fs.String("addr", proxyDefaultAddr, "address to listen on (loopback unless you say otherwise)")
	reportPath := fs.String("report", "", "append one JSON object per finding to this file (JSON Lines)")
	harPath := fs.String("har", "", "write every exchange to this HAR 1.2 file, credentials replaced by [REDACTED]")
	maxBody := fs.Int64("max-body-bytes", proxy.DefaultMaxBody, "largest request or answer body forwarded")
	timeout := fs.Duration("timeout", proxy.DefaultTimeout, "give up on an upstream answer after this long")
	limits := limitFlags(fs, "close a connection whose whole request, body included, takes longer to arrive (the wait for upstream does not count)",
		"give up writing an answer to the client after this long", "connections served at once; more wait until one closes (at the cap, one idle for 1s is closed to make room)")
	maxBuffered := fs.Int64("max-buffered-bytes", proxy.DefaultMaxBuffered, "request and answer bodies held in memory at once, all exchanges together; a request past it is answered 503")
	failOn := fs.String("fail-on", proxy.FailOnViolations, "at SIGINT or SIGTERM, exit 1 when a finding of this class was recorded: violations (of the spec), any (informational ones too) or none")
	return func(ctx context.Context, in *cli.Invocation) error {
		if err := cli.NoArgs(in); err != nil {
			return err
		}
		switch *failOn {
		case proxy.FailOnViolations, proxy.FailOnAny, proxy.FailOnNone:
		default:
			return cli.Usagef("invalid --fail-on %q: want violations, any or none", *failOn)
		}
		up, err := proxy.ParseUpstream(*upstream)
		if err != nil {
			return cli.Usagef("%v", err)
		}
		if *maxBody <= 0 || *timeout <= 0 {
			return cli.Usagef("--max-body-bytes and --timeout must be positive")
		}
		if !limits.positive() || *maxBuffered <= 0 {
			return cli.Usagef("--header-timeout, --read-timeout, --write-timeout, --idle-timeout, --max-connections and --max-buffered-bytes must be positive")
		}
		opts := proxy.Options{Upstream: up, MaxBody: *maxBody, MaxBuffered: *maxBuffered, Timeout: *timeout, WriteTimeout: *limits.write, Log: in.Stderr}
		var report *os.File
		if *reportPath != "" {
			if report, err = os.OpenFile(*reportPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
				return cli.Usagef("cannot open --report: %v", cli.WithoutPath(err))
			}
			opts.Report = report
		}
		if *harPath != "" {
			if opts.HAR, err = proxy.CreateHAR(*harPath); err != nil {
				if report != nil {
					_ = report.Close()
				}
				return cli.Usagef("cannot write --har: %v", cli.WithoutPath(err))
			}
		}
		p, err := proxy.New(opts)
		if err != nil {
			return err
		}
		defer p.Close() // and the report and the HAR
		ln, err := listenOn(*addr, limits)
		if err != nil {
			return err
		}
		defer ln.Close()
		base := "http://" + ln.Addr().String()
		if host, _, _ := net.SplitHostPort(ln.Addr().String()); !proxy.IsLoopbackHost(host) {
			fmt.Fprintf(in.Stderr, "warning: the proxy listens beyond this machine (%s): anyone who reaches it calls the API with the credentials its clients send\n", host)
		}
		fmt.Fprintf(in.Stderr, "proxy listening on %s, forwarding to %s; findings below, one per line\n", base, proxy.PrintableURL(up))
		if err := json.NewEncoder(in.Stdout).Encode(proxyReady{URL: base, PID: os.Getpid(), Upstream: proxy.PrintableURL(up)}); err != nil {
			return fmt.Errorf("writing the ready line: %w", err)
		}
		if err := p.Serve(ctx, ln, limits.limits(), shutdownGrace); err != nil {
			return fmt.Errorf("proxy stopped: %w", err)
		}
		return p.Summarize(in.Stdout, in.Stderr, *failOn)
	}
}

// proxyReady is the proxy's ready line on stdout.
type proxyReady struct {
	URL      string `json:"url"`
	PID      int    `json:"pid"`
	Upstream string `json:"upstream"`
}
