package main

import (
	"fmt"
	"os"
	"sync"

	"github.com/finicity-go/connect-components/internal/cli"
)

// commands lists the commands that are not an API operation, each wired
// to the package that does its work. The API operations' commands come
// from the spec (internal/cli). A new command is one entry here.
var commands = []cli.Command{
	{
		Name: "sandbox", Summary: "Serve the local sandbox until interrupted; once listening, print {\"url\":...,\"pid\":...} on stdout",
		Example: "finicity-connect sandbox --addr 127.0.0.1:4010 --check-tokens\nfinicity-connect sandbox --addr 127.0.0.1:0 --state ./sandbox-state.json\n# prints one line on stdout once listening (stop it by its pid):\n# {\"url\":\"http://127.0.0.1:43125\",\"pid\":1234,\"partnerId\":\"sandbox-partner\",\"tokenCheck\":false,\"stateFile\":\"/home/me/sandbox-state.json\"}\n# partner credentials: sandbox-partner / sandbox-secret (the line leaves the secret out)",
		Doc: "Each request off the spec is answered as the API would answer it (a field the API does not define is\n" +
			"ignored, as the API ignores it) and logged on stderr, one line per request:\n" +
			"  finding: POST /connect-components/configurations: Configurations.Create (post_configurations): body configurationID: unknown field: ...\n" +
			"With --strict every such request is refused instead: 400, reason code 10010, the field named in Details.",
		Setup: serveSandbox, Streams: true, ExitCodes: sandboxExitCodes,
	},
	{
		Name: "sandbox reset", Summary: "Empty the state file that --sandbox keeps between runs",
		Example: "finicity-connect sandbox reset\nfinicity-connect sandbox reset --state ./sandbox-state.json",
		Setup:   resetSandboxState,
	},
	{
		Name: "proxy", Summary: "Validating proxy in front of the API: forward every request unchanged, report each departure from the spec, record a secret-free HAR",
		Doc: "Limits, as the served sandbox's: request headers within --header-timeout (10s) and at most 64 KiB, the whole\n" +
			"request within --read-timeout (30s; the wait for upstream does not count), an answer written within\n" +
			"--write-timeout (30s), idle keep-alive connections closed after --idle-timeout (60s), at most\n" +
			"--max-connections (256) at once (at the cap, one idle for 1s is closed to make room), bodies of at most\n" +
			"--max-body-bytes (1 MiB) each and --max-buffered-bytes (32 MiB) in memory all together: a request past\n" +
			"that is answered 503 at once, so stalled uploads cannot hold the proxy's memory.\n" +
			"At SIGINT or SIGTERM it prints a summary, and exits 1 when it recorded a finding of the --fail-on class\n" +
			"(violations by default): put it in front of your app's test run in CI, and fail the job on its exit status.",
		Example: "finicity-connect proxy --upstream https://api.finicity.com --report drift.jsonl --har traffic.har\n# prints {\"url\":\"http://127.0.0.1:4011\",\"pid\":1234,\"upstream\":\"https://api.finicity.com\"} once listening;\n# point your app at the url; stop it with SIGINT or SIGTERM for a summary",
		Setup:   proxyCommand, Streams: true, ExitCodes: proxyExitCodes,
	},
	{
		Name: "validate", Args: "FILE.har...", Summary: "Check recorded traffic (HAR files from the proxy, a browser's devtools or any tool) against the spec, offline",
		Doc: "Every exchange of each file is checked, request and response, as the proxy checks them. An exchange is\n" +
			"the API's when its URL is below --base-url; without it, when its host is one of the spec's servers\n" +
			"(https://api.finicity.com) or, on any host, its path is one of the spec's (a trailing slash aside).\n" +
			"The others (a page, a font, another API) are skipped, and counted. \"-\" reads a file from stdin.\n" +
			"No secret is printed: a recording's credentials are masked in every format.",
		Example: "finicity-connect validate traffic.har\nfinicity-connect validate --format junit --output validate.xml traffic.har\nfinicity-connect validate - < traffic.har",
		Setup:   validateCommand, ExitCodes: validateExitCodes,
	},
	{
		Name: "conformance", Summary: "Run the safe journey against the API and check every answer against the spec (exit 1 on any departure)", API: true,
		Example: "finicity-connect conformance --output table\nfinicity-connect conformance --institution-id 170716 --customer-id 1005061234 --institution-login-id 7008461438\n# exit 0: no departure (informational unknown fields aside); 1: any departure; 2: usage, or credentials rejected; 3: no answer",
		Setup:   conformanceCommand,
	},
	{
		Name: "demo", Summary: "Run every operation against a fresh in-memory sandbox, narrated (stateless: the --sandbox state file is untouched)",
		Example: "finicity-connect demo",
		Setup:   demo,
	},
	{
		Name: "version", Summary: "Print the versions of finicity-connect, of the SDK (api.Version) and of Go",
		Example: "finicity-connect version",
		Setup:   version,
	},
}

// allCommands is every command: the API commands of internal/cli and
// those of this package.
var allCommands = sync.OnceValue(func() []cli.Command {
	all, err := cli.Commands(commands...)
	if err != nil {
		// The embedded spec is part of the build: a build defect.
		fmt.Fprintln(os.Stderr, "finicity-connect:", err)
		os.Exit(cli.ExitUsage)
	}
	return all
})

// The exit codes of the commands that serve (sandbox, proxy) and of
// validate, in their --help.
const (
	sandboxExitCodes = `Exit codes:
  0  stopped by SIGINT or SIGTERM
  2  usage error (bad flag or argument), an --addr it cannot listen on, or a --state file
     that cannot be read, parsed or written
  3  network failure: the listener failed while serving
  4  the ready line could not be written (stdout closed or full)`
	proxyExitCodes = `Exit codes:
  0  stopped by SIGINT or SIGTERM, no finding of the --fail-on class recorded (always with --fail-on none)
  1  stopped by SIGINT or SIGTERM, a finding of the --fail-on class recorded: a violation of the spec (violations, the
     default; an upstream that did not answer counts), or any finding, informational ones
     included (any)
  2  usage error (bad flag or argument, an --upstream it refuses, an --addr it cannot listen
     on, a --report or --har file it cannot open)
  3  network failure: the listener failed while serving
  4  the ready line or the summary could not be written (stdout closed or full)`
	validateExitCodes = `Exit codes:
  0  no violation (informational findings and skipped exchanges aside)
  1  at least one violation of the spec, in any file
  2  usage error (bad flag, no file), or an input that cannot be read or is not a HAR file
  3  network failure: never (validate reads files and stdin only)
  4  the report could not be written (stdout or --output closed or full)`
)
