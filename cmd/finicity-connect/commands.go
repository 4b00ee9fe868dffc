package main

import (
	"fmt"
	"os"
	"sort"
	"sync"
)

// commands lists the commands written by hand: the ones that are not
// an API operation, and the few operations whose command needs code of
// its own (op names the operation). Every other operation of the spec is
// a command made from it (specops.go). A new command is one entry here.
var commands = []command{
	{
		name: "token", op: "CreateToken", summary: "Print a fresh Finicity-App-Token from partner authentication (Partners.Authenticate, CreateToken)", api: true, partnerAuth: true,
		example: "finicity-connect token --sandbox\nFINICITY_APP_KEY=... FINICITY_PARTNER_ID=... FINICITY_PARTNER_SECRET=... finicity-connect token --output table",
		setup:   tokenCreate,
	},
	{
		name: "sandbox", summary: "Serve the local sandbox until interrupted; once listening, print {\"url\":...,\"pid\":...} on stdout",
		example: "finicity-connect sandbox --addr 127.0.0.1:4010 --check-tokens\nfinicity-connect sandbox --addr 127.0.0.1:0 --state ./sandbox-state.json\n# prints one line on stdout once listening (stop it by its pid):\n# {\"url\":\"http://127.0.0.1:43125\",\"pid\":1234,\"partnerId\":\"sandbox-partner\",\"tokenCheck\":false,\"stateFile\":\"/home/me/sandbox-state.json\"}\n# partner credentials: sandbox-partner / sandbox-secret (the line leaves the secret out)",
		doc: "Each request off the spec is answered as the API would answer it (a field the API does not define is\n" +
			"ignored, as the API ignores it) and logged on stderr, one line per request:\n" +
			"  finding: POST /connect-components/configurations: Configurations.Create (post_configurations): body configurationID: unknown field: ...\n" +
			"With --strict every such request is refused instead: 400, reason code 10010, the field named in Details.",
		setup: serveSandbox, streams: true, exitCodes: sandboxExitCodes,
	},
	{
		name: "sandbox reset", summary: "Empty the state file that --sandbox keeps between runs",
		example: "finicity-connect sandbox reset\nfinicity-connect sandbox reset --state ./sandbox-state.json",
		setup:   resetSandboxState,
	},
	{
		name: "proxy", summary: "Validating proxy in front of the API: forward every request unchanged, report each departure from the spec, record a secret-free HAR",
		doc: "Limits, as the served sandbox's: request headers within --header-timeout (10s) and at most 64 KiB, the whole\n" +
			"request within --read-timeout (30s; the wait for upstream does not count), an answer written within\n" +
			"--write-timeout (30s), idle keep-alive connections closed after --idle-timeout (60s), at most\n" +
			"--max-connections (256) at once (at the cap, one idle for 1s is closed to make room), bodies of at most\n" +
			"--max-body-bytes (1 MiB) each and --max-buffered-bytes (32 MiB) in memory all together: a request past\n" +
			"that is answered 503 at once, so stalled uploads cannot hold the proxy's memory.\n" +
			"At SIGINT or SIGTERM it prints a summary, and exits 1 when it recorded a finding of the --fail-on class\n" +
			"(violations by default): put it in front of your app's test run in CI, and fail the job on its exit status.",
		example: "finicity-connect proxy --upstream https://api.finicity.com --report drift.jsonl --har traffic.har\n# prints {\"url\":\"http://127.0.0.1:4011\",\"pid\":1234,\"upstream\":\"https://api.finicity.com\"} once listening;\n# point your app at the url; stop it with SIGINT or SIGTERM for a summary",
		setup:   proxyCommand, streams: true, exitCodes: proxyExitCodes,
	},
	{
		name: "validate", args: "FILE.har...", summary: "Check recorded traffic (HAR files from the proxy, a browser's devtools or any tool) against the spec, offline",
		doc: "Every exchange of each file is checked, request and response, as the proxy checks them. An exchange is\n" +
			"the API's when its URL is below --base-url; without it, when its host is one of the spec's servers\n" +
			"(https://api.finicity.com) or, on any host, its path is one of the spec's (a trailing slash aside).\n" +
			"The others (a page, a font, another API) are skipped, and counted. \"-\" reads a file from stdin.\n" +
			"No secret is printed: a recording's credentials are masked in every format.",
		example: "finicity-connect validate traffic.har\nfinicity-connect validate --format junit --output validate.xml traffic.har\nfinicity-connect validate - < traffic.har",
		setup:   validateCommand, exitCodes: validateExitCodes,
	},
	{
		name: "conformance", summary: "Run the safe journey against the API and check every answer against the spec (exit 1 on any departure)", api: true,
		example: "finicity-connect conformance --output table\nfinicity-connect conformance --institution-id 170716 --customer-id 1005061234 --institution-login-id 7008461438\n# exit 0: no departure (informational unknown fields aside); 1: any departure; 2: usage, or credentials rejected; 3: no answer",
		setup:   conformanceCommand,
	},
	{
		name: "demo", summary: "Run every operation against a fresh in-memory sandbox, narrated (stateless: the --sandbox state file is untouched)",
		example: "finicity-connect demo",
		setup:   demo,
	},
	{
		name: "version", summary: "Print the versions of finicity-connect, of the SDK (api.Version) and of Go",
		example: "finicity-connect version",
		setup:   version,
	},
}

// allCommands is every command: those of the spec's operations, then the
// ones written by hand, sorted by name. An operation with a command
// written by hand (its op) gets no other.
var allCommands = sync.OnceValue(func() []command {
	handled := map[string]bool{}
	for _, c := range commands {
		if c.op != "" {
			handled[c.op] = true
		}
	}
	ops, err := specOps()
	if err != nil {
		// The embedded spec is part of the build: a build defect.
		fmt.Fprintln(os.Stderr, "finicity-connect:", err)
		os.Exit(exitUsage)
	}
	var all []command
	for _, o := range ops {
		if !handled[o.op.ID] {
			all = append(all, specCommand(o))
		}
	}
	all = append(all, commands...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].name < all[j].name })
	return all
})
