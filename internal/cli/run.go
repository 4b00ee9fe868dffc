package cli

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
	"slices"
	"sort"
	"strings"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/statefile"
)

// Command is one subcommand. Commands that call the API get the shared
// connection flags and a ready client; the others (sandbox, demo) run on
// their own.
type Command struct {
	Name    string // as typed: "configurations create"
	Args    string // positional synopsis, e.g. "<configuration-id>"
	Summary string
	Doc     string // more about the command, printed by --help under the summary
	Example string
	// API commands get the connection flags (credentials, --sandbox,
	// --output...) and a client.
	API bool
	// Op is the operationId of the spec the command sends, if any: a
	// command written by hand for an operation replaces the one the spec
	// would make (Commands).
	Op string
	// PartnerAuth builds the client from partner credentials only.
	PartnerAuth bool
	// ReadOnly commands (list, get) only read the --sandbox state: they
	// take its lock shared, and work where the lock file cannot be made.
	ReadOnly bool
	// Streams commands write stdout as they run (the served sandbox's
	// ready line); the others' output is held until the state is saved.
	Streams bool
	// Setup registers the command's own flags and returns what to run.
	Setup func(fs *flag.FlagSet) Action
	// ExitCodes is the command's own "Exit codes:" section of --help, for
	// the commands whose codes are not the API commands' (exitCodesHelp).
	ExitCodes string

	fromSpec bool // made from an operation of the spec (specCommand)
}

// Action is what a command runs, once its flags are parsed.
type Action = func(ctx context.Context, in *Invocation) error

// Invocation is what a command's action works with.
type Invocation struct {
	Args   []string // positional arguments
	Stdin  io.Reader
	Stdout io.Writer // held until the command is done, unless it Streams
	Stderr io.Writer
	Env    func(string) string
	// Client is the API client of an API command.
	Client *api.Client

	conn *connection // an API command's connection flags

	// resp is the answer to the command's API call, kept by answer().
	resp *http.Response
	// unsaved: the --sandbox state could not be saved after the command,
	// so its output is not printed.
	unsaved bool
}

// Run runs the command of cmds that args names, with its flags and
// arguments, and returns the exit code: the whole program but os.Exit,
// so that tests call it in process. cmds is every command (Commands).
func Run(ctx context.Context, cmds []Command, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	set := commandSet(cmds)
	if len(args) == 0 || isHelp(args[0]) || args[0] == "help" {
		var help bytes.Buffer
		set.topUsage(&help)
		code := ExitOK
		if len(args) == 0 {
			code = ExitUsage
		}
		return flush(stderr, "", stdout, &help, code, false)
	}
	cmd, rest := set.lookup(set.commandFirst(args))
	if cmd == nil && (len(args) == 1 || len(args) == 2 && isHelp(args[1])) && set.hasGroup(args[0]) {
		// A service alone ("configurations", "configurations --help")
		// lists its commands, as the top level does.
		var help bytes.Buffer
		set.groupUsage(&help, args[0])
		code := ExitOK
		if len(args) == 1 {
			code = ExitUsage
		}
		return flush(stderr, "", stdout, &help, code, false)
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "finicity-connect: unknown command %q\nRun 'finicity-connect --help' for the list of commands.\n", strings.Join(args[:min(2, len(args))], " "))
		return ExitUsage
	}
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by report(), help by commandUsage()
	// The output is held until the command is done and its change to the
	// --sandbox state, if any, saved: a closed stdout (| head, | true)
	// then loses nothing, and its failure is reported with its own code.
	var held bytes.Buffer
	out := io.Writer(&held)
	if cmd.Streams {
		out = outputWriter{w: stdout}
	}
	in := &Invocation{Stdin: stdin, Stdout: out, Stderr: stderr, Env: env}
	if cmd.API {
		in.conn = &connection{partnerAuth: cmd.PartnerAuth}
		in.conn.register(fs)
	}
	action := cmd.Setup(fs)
	positional, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		commandUsage(&held, cmd, fs)
		return flush(stderr, cmd.Name, stdout, &held, ExitOK, false)
	}
	if err != nil {
		return report(stderr, cmd.Name, Usagef("%s", doubleDash(err.Error())))
	}
	in.Args = positional
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
	return flush(stderr, cmd.Name, stdout, &held, code, in.conn != nil && in.conn.useSandbox)
}

// execute runs the command's action, with the --sandbox state locked and
// loaded around it for API commands, and returns the exit code.
func execute(ctx context.Context, cmd *Command, in *Invocation, action func(context.Context, *Invocation) error) int {
	var state *statefile.Session
	if cmd.API {
		if err := in.conn.check(); err != nil {
			return report(in.Stderr, cmd.Name, err)
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
			if cmd.ReadOnly {
				mode = statefile.Shared
			}
			path, err := StatePath(in.conn.statePath, in.Env)
			if err == nil {
				state, err = statefile.OpenSession(ctx, path, mode, in.Stderr)
			}
			if err != nil {
				return report(in.Stderr, cmd.Name, err)
			}
			in.conn.sandbox = state.Sandbox()
		}
		cl, err := in.conn.client(in.Env, in.Stderr)
		if err != nil && state != nil {
			_ = state.Close()
		}
		if err != nil {
			return report(in.Stderr, cmd.Name, err, in.conn.secrets.All()...)
		}
		in.Client = cl
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
		return report(in.Stderr, cmd.Name, err, secrets...)
	}
	return ExitOK
}

// flush writes the held output once the command is done. A failure to
// write it (a closed pipe, a full disk) exits ExitOutput, whatever the
// command's own outcome was, since what it printed is lost; the state
// was saved before (sandbox: the command ran with --sandbox).
func flush(stderr io.Writer, cmd string, stdout io.Writer, held *bytes.Buffer, code int, sandbox bool) int {
	if held.Len() == 0 {
		return code
	}
	if _, err := stdout.Write(held.Bytes()); err != nil {
		return report(stderr, cmd, &OutputError{Err: err, Sandbox: sandbox})
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
func (set commandSet) commandFirst(args []string) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		return args
	}
	for i := 1; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			continue
		}
		if cmd, rest := set.lookup(args[i:]); cmd != nil {
			words := len(args[i:]) - len(rest)
			out := append([]string{}, args[i:i+words]...)
			out = append(out, args[:i]...)
			return append(out, rest...)
		}
	}
	return args
}

// commandSet is every command of a run.
type commandSet []Command

// lookup finds the command named by the first one or two words of args.
func (set commandSet) lookup(args []string) (*Command, []string) {
	for n := min(2, len(args)); n >= 1; n-- {
		name := strings.Join(args[:n], " ")
		for i := range set {
			if set[i].Name == name {
				return &set[i], args[n:]
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
		if len(rest) < len(args) && boolValueAfter(fs, args[len(args)-len(rest)-1], rest[0]) {
			args = rest[1:]
			continue
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// boolValueAfter takes "true" or "false" after the flag of a spec's
// boolean field as its value ("--include-pending false"), as a user
// writes an API value, when that flag (tok) was just given: package flag
// reads a boolean flag alone as true and would leave "false" an argument,
// which a command with a path parameter would take as its value. Other
// boolean flags (--sandbox, --verbose) keep package flag's reading.
func boolValueAfter(fs *flag.FlagSet, tok, next string) bool {
	if next != "true" && next != "false" || strings.Contains(tok, "=") {
		return false
	}
	name := strings.TrimPrefix(strings.TrimPrefix(tok, "-"), "-")
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	v, ok := f.Value.(*fieldValue)
	if !ok || !v.IsBoolFlag() || !v.st.set || v.st.via != name || v.st.raw != "true" {
		return false
	}
	return fs.Set(name, next) == nil
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func (set commandSet) topUsage(w io.Writer) {
	fmt.Fprint(w, `finicity-connect calls the Mastercard Open Finance Data Connect Components API.

Usage:
  finicity-connect <command> [flags] [arguments]

Commands:
`)
	set.listCommands(w, "")
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
`, EnvAppKey, EnvAppToken, EnvPartnerID, EnvPartnerSecret, EnvBaseURL, EnvSandboxState, exitCodesHelp)
}

// listCommands writes one line per command whose name starts with
// prefix, sorted by name.
func (set commandSet) listCommands(w io.Writer, prefix string) {
	all := slices.Clone(set)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	for i := range all {
		if strings.HasPrefix(all[i].Name, prefix) {
			fmt.Fprintf(w, "  %-24s %s\n", all[i].Name, all[i].Summary)
		}
	}
}

// hasGroup reports whether some command is "<group> <verb>".
func (set commandSet) hasGroup(group string) bool {
	for _, c := range set {
		if strings.HasPrefix(c.Name, group+" ") {
			return true
		}
	}
	return false
}

// groupUsage is the help of a service: the commands it has.
func (set commandSet) groupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage:\n  finicity-connect %s <command> [flags] [arguments]\n\nCommands:\n", group)
	set.listCommands(w, group+" ")
	fmt.Fprintf(w, "\nRun 'finicity-connect %s <command> --help' for a command's flags and an example.\n", group)
}

func commandUsage(w io.Writer, cmd *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  finicity-connect %s [flags]", cmd.Summary, cmd.Name)
	if cmd.Args != "" {
		fmt.Fprintf(w, " %s", cmd.Args)
	}
	if cmd.Doc != "" {
		fmt.Fprintf(w, "\n\n%s", indent(cmd.Doc))
	}
	fmt.Fprintf(w, "\n\nExample:\n%s\n\nFlags:\n", indent(cmd.Example))
	printFlags(w, fs)
	if cmd.API {
		fmt.Fprintf(w, "\nCredentials: %s with %s, or with %s and %s; endpoint %s.\n",
			EnvAppKey, EnvAppToken, EnvPartnerID, EnvPartnerSecret, EnvBaseURL)
	}
	fmt.Fprintf(w, "\n%s\n", cmp.Or(cmd.ExitCodes, exitCodesHelp))
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
