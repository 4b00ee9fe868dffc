package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/statefile"
)

// command is one subcommand. Commands that call the API get the shared
// connection flags and a ready client; the others (sandbox, demo) run on
// their own.
type command struct {
	name    string // as typed: "configurations create"
	args    string // positional synopsis, e.g. "<configuration-id>"
	summary string
	doc     string // more about the command, printed by --help under the summary
	example string
	api     bool
	// op is the operationId of the spec the command sends, if any.
	op string
	// partnerAuth builds the client from partner credentials only.
	partnerAuth bool
	// readOnly commands (list, get) only read the --sandbox state: they
	// take its lock shared, and work where the lock file cannot be made.
	readOnly bool
	// streams commands write stdout as they run (the served sandbox's
	// ready line); the others' output is held until the state is saved.
	streams bool
	// setup registers the command's own flags and returns what to run.
	setup func(fs *flag.FlagSet) func(ctx context.Context, in *invocation) error
	// exitCodes is the command's own "Exit codes:" section of --help, for
	// the commands whose codes are not the API commands' (exitCodesHelp).
	exitCodes string
}

// invocation is what a command's action works with.
type invocation struct {
	args   []string // positional arguments
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    func(string) string
	conn   *connection
	client *api.Client // set for api commands

	// resp is the answer to the command's API call, kept by answer().
	resp *http.Response
	// unsaved: the --sandbox state could not be saved after the command,
	// so its output is not printed.
	unsaved bool
}

// run is the whole program, minus os.Exit, so tests call it in process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	if len(args) == 0 || isHelp(args[0]) || args[0] == "help" {
		var help bytes.Buffer
		topUsage(&help)
		code := exitOK
		if len(args) == 0 {
			code = exitUsage
		}
		return flush(stderr, "", stdout, &help, code, false)
	}
	cmd, rest := lookup(commandFirst(args))
	if cmd == nil && (len(args) == 1 || len(args) == 2 && isHelp(args[1])) && hasGroup(args[0]) {
		// A service alone ("configurations", "configurations --help")
		// lists its commands, as the top level does.
		var help bytes.Buffer
		groupUsage(&help, args[0])
		code := exitOK
		if len(args) == 1 {
			code = exitUsage
		}
		return flush(stderr, "", stdout, &help, code, false)
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "finicity-connect: unknown command %q\nRun 'finicity-connect --help' for the list of commands.\n", strings.Join(args[:min(2, len(args))], " "))
		return exitUsage
	}
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by report(), help by commandUsage()
	// The output is held until the command is done and its change to the
	// --sandbox state, if any, saved: a closed stdout (| head, | true)
	// then loses nothing, and its failure is reported with its own code.
	var held bytes.Buffer
	out := io.Writer(&held)
	if cmd.streams {
		out = outputWriter{w: stdout}
	}
	in := &invocation{stdin: stdin, stdout: out, stderr: stderr, env: env}
	if cmd.api {
		in.conn = &connection{partnerAuth: cmd.partnerAuth}
		in.conn.register(fs)
	}
	action := cmd.setup(fs)
	positional, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		commandUsage(&held, cmd, fs)
		return flush(stderr, cmd.name, stdout, &held, exitOK, false)
	}
	if err != nil {
		return report(stderr, cmd.name, usagef("%s", doubleDash(err.Error())))
	}
	in.args = positional
	code := execute(ctx, cmd, in, action)
	if in.unsaved {
		// The command's change to the --sandbox state was lost: what it
		// would print (a configuration created) does not exist.
		held.Reset()
	}
	if in.conn != nil && held.Len() > 0 {
		// An answer may echo a credential (the app key, the partner
		// secret) in any form: stdout is masked like stderr. The token
		// the token command fetched is not among the secrets: a fetched
		// token is only noted when a later request carries it.
		masked := redact.Text(held.String(), in.conn.secrets.All()...)
		held.Reset()
		held.WriteString(masked)
	}
	return flush(stderr, cmd.name, stdout, &held, code, in.conn != nil && in.conn.useSandbox)
}

// execute runs the command's action, with the --sandbox state locked and
// loaded around it for API commands, and returns the exit code.
func execute(ctx context.Context, cmd *command, in *invocation, action func(context.Context, *invocation) error) int {
	var state *statefile.Session
	if cmd.api {
		if err := in.conn.check(); err != nil {
			return report(in.stderr, cmd.name, err)
		}
		// --timeout covers the whole run: the wait for the state file's
		// lock, then the call.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, in.conn.timeout)
		defer cancel()
		if in.conn.useSandbox {
			// The state file stays locked until the command's change,
			// if any, is saved: concurrent invocations take turns.
			mode := statefile.Exclusive
			if cmd.readOnly {
				mode = statefile.Shared
			}
			path, err := statePath(in.conn.statePath, in.env)
			if err == nil {
				state, err = statefile.OpenSession(ctx, path, mode, in.stderr)
			}
			if err != nil {
				return report(in.stderr, cmd.name, err)
			}
			in.conn.sandbox = state.Sandbox()
		}
		cl, err := in.conn.client(in.env, in.stderr)
		if err != nil && state != nil {
			_ = state.Close()
		}
		if err != nil {
			return report(in.stderr, cmd.name, err, in.conn.secrets.All()...)
		}
		in.client = cl
	}
	err := action(ctx, in)
	if state != nil {
		// Saved whether the command succeeded or not: a change the
		// sandbox made is real either way. When it cannot be saved,
		// nothing the command printed is shown: it would describe
		// what does not exist.
		if serr := state.Close(); serr != nil {
			in.unsaved = true
			if err == nil {
				err = serr
			}
		}
	}
	if err != nil {
		var secrets []string
		if in.conn != nil {
			secrets = in.conn.secrets.All()
		}
		return report(in.stderr, cmd.name, err, secrets...)
	}
	return exitOK
}

// flush writes the held output once the command is done. A failure to
// write it (a closed pipe, a full disk) exits exitOutput, whatever the
// command's own outcome was, since what it printed is lost; the state
// was saved before (sandbox: the command ran with --sandbox).
func flush(stderr io.Writer, cmd string, stdout io.Writer, held *bytes.Buffer, code int, sandbox bool) int {
	if held.Len() == 0 {
		return code
	}
	if _, err := stdout.Write(held.Bytes()); err != nil {
		return report(stderr, cmd, &outputError{err: err, sandbox: sandbox})
	}
	return code
}

// flagErrors are the messages of package flag that name a flag, with the
// single dash it prints; doubleDash gives them the --name form every other
// message and the help use.
var flagErrors = []*regexp.Regexp{
	regexp.MustCompile(`^(flag provided but not defined: )-([^-].*)$`),
	regexp.MustCompile(`^(flag needs an argument: )-([^-].*)$`),
	regexp.MustCompile(`^(invalid (?:boolean )?value "(?:[^"\\]|\\.)*" for (?:flag )?)-([^-].*)$`),
}

func doubleDash(msg string) string {
	for _, re := range flagErrors {
		if re.MatchString(msg) {
			return re.ReplaceAllString(msg, "${1}--${2}")
		}
	}
	return msg
}

// commandFirst moves flags given before the command name after it, so
// that "finicity-connect --sandbox configurations list" works as
// "finicity-connect configurations list --sandbox" does: the command is
// the first word (or two) after the leading flags and their values that
// names one.
func commandFirst(args []string) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		return args
	}
	for i := 1; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			continue
		}
		if cmd, rest := lookup(args[i:]); cmd != nil {
			words := len(args[i:]) - len(rest)
			out := append([]string{}, args[i:i+words]...)
			out = append(out, args[:i]...)
			return append(out, rest...)
		}
	}
	return args
}

// lookup finds the command named by the first one or two words of args.
func lookup(args []string) (*command, []string) {
	for n := min(2, len(args)); n >= 1; n-- {
		name := strings.Join(args[:n], " ")
		all := allCommands()
		for i := range all {
			if all[i].name == name {
				return &all[i], args[n:]
			}
		}
	}
	return nil, nil
}

// parseInterspersed parses flags anywhere among the positional arguments
// (flag stops at the first non-flag), so both "get <id> --output table"
// and "get --output table <id>" work. "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func topUsage(w io.Writer) {
	fmt.Fprint(w, `finicity-connect calls the Mastercard Open Finance Data Connect Components API.

Usage:
  finicity-connect <command> [flags] [arguments]

Commands:
`)
	listCommands(w, "")
	fmt.Fprintf(w, `
Credentials come from %s and %s, or %s and %s
instead of a token; the endpoint from %s. Flags override them. With
--sandbox any API command runs against an in-process sandbox instead, whose
state is kept between runs in a file (--sandbox-state or $%s; by default
under the user cache directory); 'finicity-connect sandbox reset' empties it.

Start here:
  finicity-connect demo
  finicity-connect configurations create --sandbox --filter-accounts Checking,Savings

Run 'finicity-connect <command> --help' for a command's flags and an example.

%s
`, envAppKey, envAppToken, envPartnerID, envPartnerSecret, envBaseURL, envSandboxState, exitCodesHelp)
}

// listCommands writes one line per command whose name starts with
// prefix, sorted by name.
func listCommands(w io.Writer, prefix string) {
	all := allCommands()
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	for i := range all {
		if strings.HasPrefix(all[i].name, prefix) {
			fmt.Fprintf(w, "  %-24s %s\n", all[i].name, all[i].summary)
		}
	}
}

// hasGroup reports whether some command is "<group> <verb>".
func hasGroup(group string) bool {
	for _, c := range allCommands() {
		if strings.HasPrefix(c.name, group+" ") {
			return true
		}
	}
	return false
}

// groupUsage is the help of a service: the commands it has.
func groupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage:\n  finicity-connect %s <command> [flags] [arguments]\n\nCommands:\n", group)
	listCommands(w, group+" ")
	fmt.Fprintf(w, "\nRun 'finicity-connect %s <command> --help' for a command's flags and an example.\n", group)
}

func commandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  finicity-connect %s [flags]", cmd.summary, cmd.name)
	if cmd.args != "" {
		fmt.Fprintf(w, " %s", cmd.args)
	}
	if cmd.doc != "" {
		fmt.Fprintf(w, "\n\n%s", indent(cmd.doc))
	}
	fmt.Fprintf(w, "\n\nExample:\n%s\n\nFlags:\n", indent(cmd.example))
	printFlags(w, fs)
	if cmd.api {
		fmt.Fprintf(w, "\nCredentials: %s with %s, or with %s and %s; endpoint %s.\n",
			envAppKey, envAppToken, envPartnerID, envPartnerSecret, envBaseURL)
	}
	fmt.Fprintf(w, "\n%s\n", cmp.Or(cmd.exitCodes, exitCodesHelp))
}

// printFlags lists fs's flags as the README and every message write them,
// --name, where package flag's PrintDefaults writes -name (both forms are
// accepted on the command line).
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		if fv, ok := f.Value.(*fieldValue); ok {
			typ = fv.typeName()
		}
		fmt.Fprintf(w, "  --%s", f.Name)
		if typ != "" {
			fmt.Fprintf(w, " %s", typ)
		}
		fmt.Fprintf(w, "\n        %s", usage)
		switch f.DefValue {
		case "", "0", "0s", "false":
			// The zero value goes without saying.
		default:
			if typ == "string" {
				fmt.Fprintf(w, " (default %q)", f.DefValue)
			} else {
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
		}
		fmt.Fprintln(w)
	})
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}
