package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/bodypath"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// TestFlagNames: the flag of a wire name is its kebab case, as it has
// always been; a service's word is the path segment that spells it.
func TestFlagNames(t *testing.T) {
	for in, want := range map[string]string{
		"redirectURI":                   "redirect-uri",
		"customerId":                    "customer-id",
		"configuration_id":              "configuration-id",
		"MFAType":                       "mfa-type",
		"aoRequired":                    "ao-required",
		"eventStreamId":                 "event-stream-id",
		"LoginForms":                    "login-forms",
		"institution_login_id":          "institution-login-id",
		"serviceAgreement.acceptedDate": "service-agreement-accepted-date",
	} {
		if got := spec.Kebab(in); got != want {
			t.Errorf("spec.Kebab(%q) = %q, want %q", in, got, want)
		}
	}
	s, ok := specdoc.MustModel().Service("OAuthURLs")
	if !ok {
		t.Fatal("openapi.yaml has no operation of the OAuthURLs service (x-sdk service): update TestFlagNames in internal/cli/specflags_test.go")
	}
	if s.Command != "oauth-urls" {
		t.Errorf("the OAuthURLs service's command is %q, want oauth-urls", s.Command)
	}
}

// TestEveryOperationIsACommand: every operation of the spec model has a
// command whose help shows a flag for each of its parameters and body
// properties, and the operation's description. Counts and names come from
// the model, not from a list here.
func TestEveryOperationIsACommand(t *testing.T) {
	byOp := map[string]Command{}
	for _, c := range allCommands() {
		if c.Op != "" {
			byOp[c.Op] = c
		}
	}
	for _, op := range specdoc.MustModel().Operations {
		c, ok := byOp[op.ID]
		if !ok {
			t.Errorf("operation %s (%s %s, openapi.yaml#%s) has no command", op.ID, op.Method, op.Path, op.Pointer)
			continue
		}
		if c.Name == "token" {
			continue // written by hand: the body is the partner credentials
		}
		help := cliRun(t, nil, append(strings.Fields(c.Name), "--help")...).Stdout
		var want []string
		for _, p := range op.Params() {
			if !p.Secret {
				want = append(want, spec.Kebab(p.Name))
			}
		}
		if op.Body != nil {
			want = append(want, "body")
			for _, f := range op.Body.Fields {
				want = append(want, spec.Kebab(strings.Join(f.Path, ".")))
			}
		}
		for _, f := range want {
			if !strings.Contains(help, "\n  --"+f+" ") && !strings.Contains(help, "\n  --"+f+"\n") {
				t.Errorf("%s --help (operation %s) has no --%s flag", c.Name, op.ID, f)
			}
		}
		// A default taken from another flag names one this command has
		// (the agreement's language follows --language only where
		// there is one).
		for _, m := range regexp.MustCompile(`default: --([a-z0-9-]+)`).FindAllStringSubmatch(help, -1) {
			if !strings.Contains(help, "\n  --"+m[1]+" ") {
				t.Errorf("%s --help: a default from --%s, which the command does not have", c.Name, m[1])
			}
		}
		if first := strings.Fields(op.Description); len(first) > 0 && !strings.Contains(help, first[0]) {
			t.Errorf("%s --help does not show the operation's description", c.Name)
		}
	}
}

// opByID is the command of an operation a test needs; it fails naming
// the spec and the test file when the spec lacks it.
func opByID(t testing.TB, id, testFile string) *opSpec {
	t.Helper()
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ops {
		if o.op.ID == id {
			return o
		}
	}
	t.Fatalf("openapi.yaml has no operation %s, which %s tests: update the test", id, testFile)
	return nil
}

// fieldByFlag is the field of flag name of o; it fails naming the spec
// location and the test file when o lacks it.
func fieldByFlag(t testing.TB, o *opSpec, name, testFile string) *specField {
	t.Helper()
	for _, f := range o.fields() {
		if f.flag == name {
			return f
		}
	}
	t.Fatalf("openapi.yaml#%s (%s) has no field whose flag is --%s, which %s tests: update the test", o.op.Pointer, o.op.ID, name, testFile)
	return nil
}

// requiredBody gives the required body fields of o a test does not set
// itself (own names their flags): the flags with their values from the
// spec's example (as the help shows them), and the body those flags add.
// A spec that adds a required field keeps the test about what it tests.
func requiredBody(t testing.TB, o *opSpec, own ...string) ([]string, map[string]any) {
	t.Helper()
	example, _ := o.bodyExample()
	var args []string
	body := map[string]any{}
	for _, f := range o.bodyFields {
		if !f.required || f.def != "" || slices.Contains(own, f.flag) || slices.ContainsFunc(f.aliases, func(a string) bool { return slices.Contains(own, a) }) {
			continue
		}
		v, ok := bodypath.Get(example, f.wire)
		if !ok {
			v = synthesize(f.field.Schema)
		}
		text := spec.ValueText(v)
		if list, isList := v.([]any); isList {
			parts := make([]string, len(list))
			for i, e := range list {
				parts[i] = spec.ValueText(e)
			}
			text = strings.Join(parts, ",")
		}
		args = append(args, "--"+f.flag+"="+text)
		jv, err := fieldJSON(f, "--"+f.flag, text)
		if err != nil {
			t.Fatalf("the example of %s (openapi.yaml#%s) is not a value of --%s: %v", strings.Join(f.wire, "."), f.pointer, f.flag, err)
		}
		bodypath.Set(body, f.wire, jv)
	}
	return args, body
}

// withRequired is args (a command and its arguments) with the required
// body flags of the command that args does not give, valued from the
// spec's example (requiredBody); args as they are when they give --body.
func withRequired(t testing.TB, args ...string) []string {
	t.Helper()
	cmd, _ := commandSet(allCommands()).lookup(args)
	if cmd == nil || !cmd.fromSpec || slices.Contains(args, "--body") {
		return args // not a command of the spec's (token's flags are the connection's)
	}
	own := ownFlags(args)
	o := opByID(t, cmd.Op, callerFile())
	// A flag the command does not have is the spec's change (a field
	// renamed or gone): say where, rather than run a usage error.
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	if cmd.API {
		(&connection{}).register(fs)
	}
	cmd.Setup(fs)
	for _, name := range own {
		if fs.Lookup(name) == nil {
			t.Fatalf("openapi.yaml#%s (%s): %s has no flag --%s, which %s gives: update the test", o.op.Pointer, o.op.ID, cmd.Name, name, callerFile())
		}
	}
	extra, _ := requiredBody(t, o, own...)
	return append(slices.Clone(args), extra...)
}

// withJSON is the JSON object of text with the properties of extra added.
func withJSON(t testing.TB, text string, extra map[string]any) string {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal([]byte(text), &obj); err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		obj[k] = v
	}
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// lastRequest is the last request received; it fails, naming what was
// run, when none was.
func lastRequest(t *testing.T, got []clirun.Exchange, what any) clirun.Exchange {
	t.Helper()
	if len(got) == 0 {
		t.Fatalf("%v: no request was sent", what)
	}
	return got[len(got)-1]
}

// TestBodyFlag: --body takes JSON, a file or stdin, refuses names the
// spec does not define (exactly, so configurationID is one) and refuses
// being mixed with the body flags. The body sent is the one given. A
// malformed --body is refused with the JSON error and its byte offset; a
// value of the wrong kind names the field, in JSON's words.
func TestBodyFlag(t *testing.T) {
	const testFile = "internal/cli/specflags_test.go"
	create := opByID(t, "PostConfigurations", testFile)
	fieldByFlag(t, create, "filter-accounts", testFile)
	fieldByFlag(t, create, "ao-required", testFile)
	extraArgs, extraBody := requiredBody(t, create, "filter-accounts", "ao-required")
	want := withJSON(t, `{"filterAccounts":["Checking"],"aoRequired":true}`, extraBody)

	env, received := clirun.FakeAPI(t, clirun.Reply(201, specexample.Answer(t, specexample.CreateConfiguration, map[string]any{"filterAccounts": []string{"Checking"}, "aoRequired": true})))
	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(t.TempDir(), "huge.json")
	if f, err := os.Create(huge); err != nil {
		t.Fatal(err)
	} else if err := f.Truncate(maxBodyFileBytes + 1); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	for _, args := range [][]string{
		{"--body", want},
		{"--body", "@" + file},
		append([]string{"--filter-accounts", "Checking", "--ao-required"}, extraArgs...),
	} {
		o := cliRun(t, env, append([]string{"configurations", "create"}, args...)...)
		o.Expect(t, 0, []string{`"aoRequired": true`}, []string{""})
		if body := lastRequest(t, received(), args).Body; !sameJSON(body, want) {
			t.Errorf("%q: body sent %s, want %s", args, body, want)
		}
	}
	n := len(received())
	// The bodies are the operation's example with the one field under
	// test changed; the rest test --body's own reading.
	const loginForm = "PostInstitutionsInstitutionIDLoginForms"
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"configurations", "create", "--body", specexample.BodyUnknown(t, specexample.CreateConfiguration, map[string]any{"configurationID": "x"})},
			"invalid --body: unknown field configurationID: not in the spec (names are case-sensitive)"},
		{[]string{"login-forms", "create", "1", "--body", specexample.BodyUnknown(t, loginForm, map[string]any{"serviceAgreement.lang": "x"})},
			"invalid --body: unknown field serviceAgreement.lang: not in the spec"},
		{[]string{"configurations", "create", "--body", `{}`, "--ao-required"},
			"give the body once: with --body or with the body flags (--ao-required), not both"},
		{[]string{"configurations", "create", "--body", `[]`}, "invalid --body: must be a JSON object\n"},
		{[]string{"configurations", "create", "--body", `{"filterAccounts" x}`},
			"invalid --body: invalid character 'x' after object key at offset 19\n"},
		{[]string{"configurations", "create", "--body", `{"aoRequired":true} x`},
			"invalid --body: unexpected data after the JSON value at offset 21\n"},
		{[]string{"configurations", "create", "--body", `{"aoRequired":`},
			"invalid --body: unexpected end of JSON input at offset 14\n"},
		{[]string{"configurations", "create", "--body", "@" + file + ".missing"}, "cannot read --body @" + file + ".missing: no such file or directory"},
		{[]string{"configurations", "create", "--body", "@" + huge}, "--body @" + huge + " is larger than 16777216 bytes\n"},
		{[]string{"configurations", "create", "--body", specexample.Body(t, specexample.CreateConfiguration, map[string]any{"aoRequired": "yes"})}, "invalid --body: aoRequired: a JSON string where true or false was expected\n"},
		{[]string{"configurations", "create", "--body", specexample.Body(t, specexample.CreateConfiguration, map[string]any{"filterAccounts": 5})}, "invalid --body: filterAccounts: a JSON number where a list was expected\n"},
		{[]string{"login-forms", "create", "1", "--body", specexample.Body(t, loginForm, map[string]any{"serviceAgreement.acceptedDate": 7})},
			"invalid --body: serviceAgreement.acceptedDate: value must be a string\n"},
		{[]string{"login-forms", "create", "1", "--body", specexample.Body(t, loginForm, map[string]any{"serviceAgreement.acceptedDate": "yesterday"})},
			"invalid --body: serviceAgreement.acceptedDate: not of format \"date-time\"\n"},
		{[]string{"login-forms", "create", "1", "--body", specexample.Body(t, loginForm, map[string]any{"configurationId": []string{}})},
			"invalid --body: configurationId: a JSON array where a UUID string was expected\n"},
		{[]string{"login-forms", "create", "99999999999999999999", "--customer-id", "c"},
			"invalid institution id \"99999999999999999999\": out of range for int64\n"},
		{[]string{"login-forms", "create", "--institution-id", "99999999999999999999", "--customer-id", "c"},
			"invalid value \"99999999999999999999\" for flag --institution-id: out of range for int64\n"},
		{[]string{"login-forms", "create", "--institution-id", "1.5", "--customer-id", "c"},
			"invalid value \"1.5\" for flag --institution-id: must be an integer\n"},
	} {
		cliRun(t, env, tc.args...).Expect(t, ExitUsage, []string{""}, []string{tc.stderr})
	}
	if got := received(); len(got) != n {
		t.Errorf("a refused --body was sent: %+v", got[n:])
	}
}

// TestBodyNumberOutOfRange: a --body number its field's Go type cannot
// hold is refused as out of range, not as "not an integer". The spec has
// no integer body field: the operation here is the configuration's
// create with one added (a spec change), and the refusal is the one the
// typed method's decoding gives (apicall.ArgError).
func TestBodyNumberOutOfRange(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const testFile = "internal/cli/specflags_test.go"
	if where, err := specdoc.PropertyDefined("maxAccounts"); err != nil || where != "" {
		t.Fatalf("openapi.yaml defines maxAccounts (at %s, %v), which %s adds: give the test another name", where, err, testFile)
	}
	m := withBodyProperty(t, doc, specexample.CreateConfiguration, "maxAccounts", openapi3.NewInt32Schema(), testFile)
	var create *opSpec
	for _, o := range opsOf(m) {
		if o.op.ID == specexample.CreateConfiguration {
			create = o
		}
	}
	for body, want := range map[string]string{
		`{"maxAccounts":3000000000}`: "invalid --body: maxAccounts: out of range for int32",
		`{"maxAccounts":1.5}`:        "invalid --body: maxAccounts: must be an integer",
		`{"maxAccounts":"7"}`:        "invalid --body: maxAccounts: a JSON string where an integer was expected",
	} {
		ae := &apicall.ArgError{Field: "body maxAccounts", Err: errors.New("a JSON number where int32 was expected")}
		if got := create.argError(ae, nil, []byte(body)).Error(); got != want {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
	// Number flags too.
	if err := (&fieldValue{st: &fieldState{f: fieldByFlag(t, create, "max-accounts", "internal/cli/specflags_test.go")}}).Set("3000000000"); err == nil || err.Error() != "out of range for int32" {
		t.Errorf("--max-accounts 3000000000: %v", err)
	}
}

// TestAliasesShareAValue: an alias sets the same field as its flag, and
// the message of a bad value names the name used.
func TestAliasesShareAValue(t *testing.T) {
	const testFile = "internal/cli/specflags_test.go"
	form := opByID(t, "PostInstitutionsInstitutionIDLoginForms", testFile)
	own := []string{"customer-id", "language", "service-agreement-language", "service-agreement-accepted-date"}
	for _, name := range append(own, "agreement-language", "accepted-date") {
		if !slices.ContainsFunc(form.fields(), func(f *specField) bool { return f.flag == name || slices.Contains(f.aliases, name) }) {
			t.Fatalf("openapi.yaml#%s has no field whose flag or alias is --%s, which %s tests: update the test", form.op.Pointer, name, testFile)
		}
	}
	extraArgs, extraBody := requiredBody(t, form, own...)
	env, received := clirun.FakeAPI(t, clirun.Reply(201, specexample.Answer(t, form.op.ID, nil)))
	run := func(want string, args ...string) {
		t.Helper()
		args = append(append([]string{"login-forms", "create", "1", "--customer-id", "c"}, args...), extraArgs...)
		cliRun(t, env, args...).Expect(t, 0, nil, []string{""})
		if got := lastRequest(t, received(), args).Body; !sameJSON(got, withJSON(t, want, extraBody)) {
			t.Errorf("%q: sent %s, want %s", args, got, withJSON(t, want, extraBody))
		}
	}
	for _, names := range [][2]string{{"--agreement-language", "--accepted-date"}, {"--service-agreement-language", "--service-agreement-accepted-date"}} {
		run(`{"customerId":"c","language":"fr","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"es"}}`,
			"--language", "fr", names[0], "es", names[1], "2024-11-28T18:25:32Z")
	}
	// The agreement's language defaults to the form's.
	run(`{"customerId":"c","language":"fr","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"fr"}}`,
		"--language", "fr", "--accepted-date", "2024-11-28T18:25:32Z")
	n := len(received())
	cliRun(t, env, "login-forms", "create", "1", "--customer-id", "c", "--service-agreement-accepted-date", "x").Expect(t, ExitUsage, nil,
		[]string{`invalid --service-agreement-accepted-date "x": must be an RFC 3339 date-time`})
	if len(received()) != n {
		t.Errorf("a refused request was sent")
	}
}

// TestEveryOperationCallable: every operation of the spec model is in
// the CLI's call table (internal/apicall, generated): the CLI sends each
// through its typed method, with no reflection.
func TestEveryOperationCallable(t *testing.T) {
	for _, o := range specdoc.MustModel().Operations {
		if !apicall.Has(o.ID) {
			t.Errorf("operation %s (openapi.yaml#%s) is not in internal/apicall's table: run make generate", o.ID, o.Pointer)
		}
	}
}

// TestHelpExampleHasEveryRequiredFlag: the example of each API command's
// --help gives every required flag (or the path parameters as
// arguments), with values from the spec, and runs against the sandbox
// without a usage error.
func TestHelpExampleHasEveryRequiredFlag(t *testing.T) {
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	byOp := map[string]Command{}
	for _, c := range allCommands() {
		byOp[c.Op] = c
	}
	for _, o := range ops {
		c := byOp[o.op.ID]
		if !c.fromSpec {
			continue // a command written by hand (token)
		}
		words := shellWords(t, c.Example)
		if len(words) < 1+len(strings.Fields(c.Name)) || strings.Join(words[1:1+len(strings.Fields(c.Name))], " ") != c.Name {
			t.Errorf("%s: example %q does not run the command", c.Name, c.Example)
			continue
		}
		args := words[1+len(strings.Fields(c.Name)):]
		positional := 0
		for _, a := range args {
			if !strings.HasPrefix(a, "--") {
				positional++
			}
		}
		for _, f := range o.fields() {
			if !f.required || f.def != "" || f.param != nil && f.param.In == "path" {
				continue
			}
			if !slices.ContainsFunc(args, func(a string) bool { return a == "--"+f.flag || strings.HasPrefix(a, "--"+f.flag+"=") }) {
				t.Errorf("%s: the example %q leaves out the required --%s (openapi.yaml#%s)", c.Name, c.Example, f.flag, f.pointer)
			}
		}
		if len(o.pathParams) > 0 && positional < len(o.pathParams) {
			t.Errorf("%s: the example %q gives %d of its %d path parameters", c.Name, c.Example, positional, len(o.pathParams))
		}
		if out := cliRun(t, clirun.FreshState(t), append(append(strings.Fields(c.Name), args...), "--sandbox")...); out.Code == ExitUsage {
			t.Errorf("%s: the example %q is a usage error: %s", c.Name, c.Example, out.Stderr)
		}
	}
}

// shellWords splits a command line as a POSIX shell does, for the
// quoting shellQuote writes (single quotes).
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	inWord, quoted, escaped := false, false, false
	for _, r := range line {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case !quoted && r == '\\':
			escaped, inWord = true, true
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quote in %q", line)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// TestBoolFlagWordValue: a spec's boolean flag takes "true" or "false" as
// the next word, as a user writes an API value: --ao-required false sends
// what --ao-required=false sends, and "false" is no argument; alone it is
// true. Another word after it stays an argument, and the connection's
// boolean flags keep package flag's reading.
func TestBoolFlagWordValue(t *testing.T) {
	const testFile = "internal/cli/specflags_test.go"
	create := opByID(t, "PostConfigurations", testFile)
	fieldByFlag(t, create, "filter-accounts", testFile)
	fieldByFlag(t, create, "ao-required", testFile)
	extraArgs, _ := requiredBody(t, create, "filter-accounts", "ao-required")
	env, received := clirun.FakeAPI(t, clirun.Reply(201, specexample.Answer(t, specexample.CreateConfiguration, map[string]any{"filterAccounts": []string{"Checking"}})))
	send := func(args ...string) string {
		t.Helper()
		args = append(append([]string{"configurations", "create"}, args...), extraArgs...)
		cliRun(t, env, args...).Expect(t, 0, []string{`"filterAccounts"`}, []string{""})
		return lastRequest(t, received(), args).Body
	}
	byEquals := map[string]string{
		"true":  send("--ao-required=true", "--filter-accounts", "Checking"),
		"false": send("--ao-required=false", "--filter-accounts", "Checking"),
	}
	if byEquals["true"] == byEquals["false"] {
		t.Fatalf("--ao-required=true and =false send the same body %s", byEquals["true"])
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ao-required", "false", "--filter-accounts", "Checking"}, "false"},
		{[]string{"--filter-accounts", "Checking", "--ao-required", "false"}, "false"},
		{[]string{"-ao-required", "false", "--filter-accounts", "Checking"}, "false"},
		{[]string{"--ao-required", "true", "--filter-accounts", "Checking"}, "true"},
		{[]string{"--ao-required", "--filter-accounts", "Checking"}, "true"},
	} {
		if body := send(tc.args...); !sameJSON(body, byEquals[tc.want]) {
			t.Errorf("%q: body sent %s, want %s (as --ao-required=%s)", tc.args, body, byEquals[tc.want], tc.want)
		}
	}
	n := len(received())
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--ao-required", "no"}, `unexpected argument "no"`},
		{[]string{"--ao-required", "--ao-required", "false", "FALSE"}, `unexpected argument "FALSE"`},
		{[]string{"--verbose", "false"}, `unexpected argument "false"`},
	} {
		args := append(append(append([]string{"configurations", "create"}, tc.args...), "--filter-accounts", "Checking"), extraArgs...)
		cliRun(t, env, args...).Expect(t, ExitUsage, []string{""}, []string{tc.stderr})
	}
	if len(received()) != n {
		t.Errorf("a refused command line sent a request")
	}
}
