package main

import (
	"flag"
	"net"
	"time"

	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/listen"
)

// connLimits are the connection-limit flags the served sandbox and the
// proxy share (listen.Limits).
type connLimits struct {
	header, read, write, idle *time.Duration
	maxConns                  *int
}

// limitFlags registers the connection-limit flags, with listen.Defaults
// as defaults; the usages of --read-timeout, --write-timeout and
// --max-connections are each command's own.
func limitFlags(fs *flag.FlagSet, readUsage, writeUsage, connsUsage string) *connLimits {
	d := listen.Defaults
	return &connLimits{
		header:   fs.Duration("header-timeout", d.HeaderTimeout, "close a connection whose request line and headers take longer"),
		read:     fs.Duration("read-timeout", d.ReadTimeout, readUsage),
		write:    fs.Duration("write-timeout", d.WriteTimeout, writeUsage),
		idle:     fs.Duration("idle-timeout", d.IdleTimeout, "close a keep-alive connection idle this long"),
		maxConns: fs.Int("max-connections", d.MaxConnections, connsUsage),
	}
}

func (l *connLimits) positive() bool {
	return *l.header > 0 && *l.read > 0 && *l.write > 0 && *l.idle > 0 && *l.maxConns > 0
}

func (l *connLimits) limits() listen.Limits {
	return listen.Limits{HeaderTimeout: *l.header, ReadTimeout: *l.read, WriteTimeout: *l.write, IdleTimeout: *l.idle,
		MaxConnections: *l.maxConns, IdleEvictAfter: listen.Defaults.IdleEvictAfter}
}

// listenOn listens on --addr, capped at --max-connections.
func listenOn(addr string, l *connLimits) (net.Listener, error) {
	ln, err := listen.Listen(addr, *l.maxConns)
	if err != nil {
		return nil, cli.Usagef("cannot listen on --addr %s: %v", addr, err)
	}
	return ln, nil
}
