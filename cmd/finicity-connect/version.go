package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/cli"
)

// readBuildInfo is debug.ReadBuildInfo, replaced by tests: a test binary's
// build information is not that of a built command.
var readBuildInfo = debug.ReadBuildInfo

// version prints what a bug report needs: the module version the binary
// was built from, the SDK version it sends in User-Agent, and the Go
// toolchain.
func version(fs *flag.FlagSet) cli.Action {
	return func(_ context.Context, in *cli.Invocation) error {
		if err := cli.NoArgs(in); err != nil {
			return err
		}
		module, goVersion := "unknown", runtime.Version()
		if bi, ok := readBuildInfo(); ok {
			// The go command stamps the module version: a tag or a
			// pseudo-version when built from a module or a clean VCS
			// checkout, "(devel)" otherwise.
			module = bi.Main.Version
			if module == "" {
				module = "(devel)"
			}
			if bi.GoVersion != "" {
				goVersion = bi.GoVersion
			}
		}
		fmt.Fprintf(in.Stdout, "finicity-connect %s\nSDK (api.Version) %s\nGo %s %s/%s\n", module, api.Version, goVersion, runtime.GOOS, runtime.GOARCH)
		return nil
	}
}
