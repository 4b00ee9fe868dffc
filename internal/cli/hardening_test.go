package cli

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
)

// TestUnusableAnswer: a 2xx answer whose body does not decode is the
// API's failure, not the network's: exit 1, with its own message. It is
// recognised whatever the decoding error (JSON syntax, a wrong JSON type,
// a value the model refuses such as a malformed UUID), and also when the
// unusable answer is the one to the client's own token fetch.
func TestUnusableAnswer(t *testing.T) {
	id := "605543e1-f507-48ad-8127-95c40566597b"
	cases := []struct {
		name   string
		answer http.HandlerFunc
		env    func(map[string]string) map[string]string
		args   []string
		stderr string // exact; %s is the server's URL
	}{
		{"not JSON", clirun.Reply(200, "not json"), nil, []string{"configurations", "list"},
			"finicity-connect configurations list: unusable API answer (status 200 OK): finicity: GET /connect-components/configurations: the 200 answer does not decode: invalid character 'o' in literal null (expecting 'u')\n"},
		{"empty 201", clirun.Reply(201, ""), nil, []string{"configurations", "create"},
			"finicity-connect configurations create: unusable API answer (status 201 Created): finicity: POST /connect-components/configurations: the 201 answer does not decode: unexpected end of JSON input\n"},
		{"wrong JSON type", clirun.Reply(203, `{"mfaChallenges":[]}`), nil, []string{"reconnections", "create", "c", "3"},
			"finicity-connect reconnections create: unusable API answer (status 203 Non-Authoritative Information): finicity: POST /connect-components/customers/c/institution-login-ids/3/reconnections: the 203 answer does not decode: json: cannot unmarshal object into Go value of type []gen.MFAChallengeSet\n"},
		{"malformed UUID", clirun.Reply(200, `{"id":"nope"}`), nil, []string{"configurations", "get", id},
			"finicity-connect configurations get: unusable API answer (status 200 OK): finicity: GET /connect-components/configurations/" + id + ": the 200 answer does not decode: invalid UUID length: 4\n"},
		{"token fetch answer", clirun.Reply(200, `{"token":`),
			func(env map[string]string) map[string]string {
				return clirun.With(env, EnvAppToken, "", EnvPartnerID, "p", EnvPartnerSecret, "fake-partner-secret")
			}, []string{"configurations", "list"},
			"finicity-connect configurations list: unusable API answer (status 200 OK): finicity: POST /aggregation/v2/partners/authentication: the 200 answer does not decode: unexpected end of JSON input\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := clirun.FakeAPI(t, tc.answer)
			if tc.env != nil {
				env = tc.env(env)
			}
			o := cliRun(t, env, withRequired(t, tc.args...)...)
			if o.Code != ExitAPI || o.Stdout != "" || o.Stderr != tc.stderr {
				t.Errorf("got exit %d, stdout %q, stderr\n%q\nwant exit 1, no stdout, stderr\n%q", o.Code, o.Stdout, o.Stderr, tc.stderr)
			}
		})
	}
}

// TestReconnectionBody: the body is required by the spec; without --body
// the CLI sends null, with it the object given. The request is asserted
// whole, and so is the output: the status, then the answer as sent.
func TestReconnectionBody(t *testing.T) {
	form := `{"elements":[{"id":"26410b1f-0347-4d57-bb03-f44d00e785e2","label":"Username","sortOrder":0}],"eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137","id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f"}`
	wantOut := `{
  "status": 201,
  "loginForm": {
    "elements": [
      {
        "id": "26410b1f-0347-4d57-bb03-f44d00e785e2",
        "label": "Username",
        "sortOrder": 0
      }
    ],
    "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137",
    "id": "8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f"
  }
}
`
	for _, tc := range []struct {
		name     string
		extra    []string
		wantBody string
	}{
		{"no --body", nil, "{}"},
		{"--body null", []string{"--body", "null"}, "{}"},
		{"--body object", []string{"--body", `{"reason": "expired"}`}, `{"reason":"expired"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, received := clirun.FakeAPI(t, clirun.Reply(201, form))
			o := cliRun(t, env, append([]string{"reconnections", "create", "1005061234", "7008461431"}, tc.extra...)...)
			if o.Code != 0 || o.Stdout != wantOut || o.Stderr != "" {
				t.Errorf("got exit %d, stderr %q, stdout\n%s\nwant\n%s", o.Code, o.Stderr, o.Stdout, wantOut)
			}
			want := []clirun.Exchange{{
				Method: "POST",
				Path:   "/connect-components/customers/1005061234/institution-login-ids/7008461431/reconnections",
				Header: http.Header{
					"Accept-Encoding":    {"gzip"},
					"Content-Length":     {strconv.Itoa(len(tc.wantBody))},
					"Content-Type":       {"application/json"},
					"Finicity-App-Key":   {"fake-app-key"},
					"Finicity-App-Token": {"fake-app-token"},
					"User-Agent":         {"finicity-connect-go/" + api.Version},
				},
				Body: tc.wantBody,
			}}
			if got := received(); !reflect.DeepEqual(got, want) {
				t.Errorf("requests:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestVerboseDump: --verbose prints every attempt whole, retries
// included, credentials masked. The server answers 503 (with Retry-After:
// 0, so the retry does not wait) then 200. Everything but the client's own
// debug records (which carry times) is asserted exactly.
func TestVerboseDump(t *testing.T) {
	const busy = `{"Errors":{"Error":[{"ReasonCode":"0","Description":"fake-app-token is busy"}]}}`
	var calls int
	var mu sync.Mutex
	env, _ := clirun.FakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			clirun.Reply(503, busy)(w, r)
			return
		}
		clirun.Reply(200, `[]`)(w, r)
	})
	o := cliRun(t, env, "configurations", "list", "--verbose", "--retries", "1")
	base := env[EnvBaseURL]
	want := `* attempt 1
> GET ` + base + `/connect-components/configurations HTTP/1.1
> Finicity-App-Key: [REDACTED]
> Finicity-App-Token: [REDACTED]
> User-Agent: finicity-connect-go/` + api.Version + `
< HTTP/1.1 503 Service Unavailable
< Content-Length: ` + strconv.Itoa(len(busy)) + `
< Content-Type: application/json
< Retry-After: 0
<
< {"Errors":{"Error":[{"ReasonCode":"0","Description":"[REDACTED] is busy"}]}}
* attempt 2
> GET ` + base + `/connect-components/configurations HTTP/1.1
> Finicity-App-Key: [REDACTED]
> Finicity-App-Token: [REDACTED]
> User-Agent: finicity-connect-go/` + api.Version + `
< HTTP/1.1 200 OK
< Content-Length: 2
< Content-Type: application/json
<
< []
`
	var dump, records []string
	for line := range strings.Lines(o.Stderr) {
		if strings.HasPrefix(line, "time=") {
			records = append(records, line)
		} else {
			dump = append(dump, line)
		}
	}
	if got := strings.Join(dump, ""); got != want {
		t.Errorf("verbose dump:\ngot\n%s\nwant\n%s", got, want)
	}
	// The client's records: two attempts and the retry between them.
	wantRecords := []*regexp.Regexp{
		regexp.MustCompile(`level=DEBUG msg="finicity: request" method=GET path=/connect-components/configurations attempt=1 duration=\S+ status=503\n$`),
		regexp.MustCompile(`level=DEBUG msg="finicity: retrying" method=GET path=/connect-components/configurations attempt=1 wait=0s reason=503\n$`),
		regexp.MustCompile(`level=DEBUG msg="finicity: request" method=GET path=/connect-components/configurations attempt=2 duration=\S+ status=200\n$`),
	}
	if len(records) != len(wantRecords) {
		t.Fatalf("debug records: got %q", records)
	}
	for i, re := range wantRecords {
		if !re.MatchString(records[i]) {
			t.Errorf("debug record %d: got %q, want %v", i, records[i], re)
		}
	}
	if o.Code != 0 || o.Stdout != "[]\n" {
		t.Errorf("exit %d, stdout %q", o.Code, o.Stdout)
	}
}

// TestDumpExchanges checks the middleware on its own: exact output, the
// bodies left whole for the layers around it, a transport error masked.
func TestDumpExchanges(t *testing.T) {
	reqBody := `{"partnerId":"p","partnerSecret":"SECRET-3"}`
	respBody := "{\"token\":\"TOKEN-9\",\n\"note\":\"KEY-1 quoted\"}"
	var sent string
	next := api.DoerFunc(func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("X-Fail") != "" {
			return nil, errors.New("dial tcp: TOKEN-2 refused")
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		sent = string(b)
		return &http.Response{
			StatusCode: 200, Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/json"}, "Finicity-App-Token": {"TOKEN-9"}},
			Body:   io.NopCloser(strings.NewReader(respBody)),
		}, nil
	})
	var out bytes.Buffer
	doer := dumpExchanges(&out, "KEY-1", "SECRET-3")(next)

	req, err := http.NewRequest("POST", "http://127.0.0.1:4010/aggregation/v2/partners/authentication", strings.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = http.Header{"Finicity-App-Key": {"KEY-1"}, "Finicity-App-Token": {"TOKEN-2"}, "Content-Type": {"application/json"}}
	resp, err := doer.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	want := `* attempt 1
> POST http://127.0.0.1:4010/aggregation/v2/partners/authentication HTTP/1.1
> Content-Type: application/json
> Finicity-App-Key: [REDACTED]
> Finicity-App-Token: [REDACTED]
>
> {"partnerId":"p","partnerSecret":"[REDACTED]"}
< HTTP/1.1 200 OK
< Content-Type: application/json
< Finicity-App-Token: [REDACTED]
<
< {"token":"[REDACTED]",
< "note":"[REDACTED] quoted"}
`
	if out.String() != want {
		t.Errorf("dump:\ngot\n%s\nwant\n%s", out.String(), want)
	}
	if sent != reqBody {
		t.Errorf("request body sent: %q, want %q", sent, reqBody)
	}
	// The caller still reads the whole answer.
	if b, _ := io.ReadAll(resp.Body); string(b) != respBody {
		t.Errorf("response body after the dump: %q", b)
	}

	out.Reset()
	req, _ = http.NewRequest("GET", "http://127.0.0.1:4010/connect-components/configurations", nil)
	req.Header = http.Header{"Finicity-App-Token": {"TOKEN-2"}, "X-Fail": {"1"}}
	if _, err := doer.Do(req); err == nil {
		t.Fatal("want the transport error")
	}
	want = "* attempt 1\n> GET http://127.0.0.1:4010/connect-components/configurations HTTP/1.1\n> Finicity-App-Token: [REDACTED]\n> X-Fail: 1\n* no answer: dial tcp: [REDACTED] refused\n"
	if out.String() != want {
		t.Errorf("dump of a failure:\ngot  %q\nwant %q", out.String(), want)
	}
}

// TestFlagErrorsDoubleDash: package flag's own messages name flags with
// one dash; the CLI shows --name, as its help and the README do.
func TestFlagErrorsDoubleDash(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"configurations", "list", "-colour"}, "flag provided but not defined: --colour"},
		{[]string{"configurations", "list", "--output"}, "flag needs an argument: --output"},
		{[]string{"configurations", "list", "--timeout", "soon"}, `invalid value "soon" for flag --timeout: parse error`},
		{[]string{"configurations", "create", "--ao-required=maybe"}, `invalid boolean value "maybe" for --ao-required: parse error`},
		{[]string{"login-forms", "create", "--institution-id", "x for -y"}, `invalid value "x for -y" for flag --institution-id: must be an integer`},
	}
	for _, tc := range cases {
		t.Run(tc.msg, func(t *testing.T) {
			cmd := strings.Join(tc.args[:2], " ")
			want := "finicity-connect " + cmd + ": " + tc.msg + "\nRun 'finicity-connect " + cmd + " --help' for usage.\n"
			cliRun(t, nil, tc.args...).Expect(t, 2, []string{""}, []string{want})
		})
	}
}

// TestAPIErrorTextMasked: the CLI prints an API error's description and
// details field by field, so a credential the server quotes back there is
// masked by the CLI itself: the credentials given, and a token the client
// fetched on its own.
func TestAPIErrorTextMasked(t *testing.T) {
	quoting := func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/aggregation/v2/partners/authentication" {
			clirun.Reply(200, `{"token":"FETCHED-t0ken"}`)(w, r)
			return
		}
		clirun.Reply(401, `{"Errors":{"Error":[{"ReasonCode":"10022","Description":"Token `+r.Header.Get("Finicity-App-Token")+` refused.","Details":"Key `+r.Header.Get("Finicity-App-Key")+` unknown."}]}}`)(w, r)
	}
	env, _ := clirun.FakeAPI(t, quoting)
	cases := []struct {
		name string
		env  map[string]string
	}{
		{"token given", env},
		{"token fetched", clirun.With(env, EnvAppToken, "", EnvPartnerID, "p", EnvPartnerSecret, "fake-partner-secret")},
	}
	want := "finicity-connect configurations list: API error: status 401 Unauthorized, reason code 10022: Token [REDACTED] refused. (Key [REDACTED] unknown.)\n"
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cliRun(t, tc.env, "configurations", "list").Expect(t, 1, []string{""}, []string{want})
		})
	}
}

// TestCredentialsWithControlCharacters: an app key or token holding a
// control character (a pasted newline), which no header value can carry,
// is a usage error naming the flag or variable it came from, exit 2,
// never quoting it; nothing is sent. (It used to fail every attempt as a
// network failure, exit 3.)
func TestCredentialsWithControlCharacters(t *testing.T) {
	env, received := clirun.FakeAPI(t, clirun.Reply(200, `[]`))
	const bad = "Secret\nKey99\x7f"
	for _, tc := range []struct {
		env  map[string]string
		args []string
		from string
	}{
		{env, []string{"--app-key", bad}, "--app-key"},
		{env, []string{"--app-token", bad}, "--app-token"},
		{clirun.With(env, EnvAppKey, "a\x00b"), nil, "$" + EnvAppKey},
		{clirun.With(env, EnvAppToken, "t\x01"), nil, "$" + EnvAppToken},
	} {
		o := cliRun(t, tc.env, append([]string{"configurations", "list"}, tc.args...)...)
		o.Expect(t, ExitUsage, []string{""}, []string{"finicity-connect configurations list: invalid " + tc.from + ": holds a control character (a newline?), which a header value cannot\n"})
		if strings.Contains(o.Stderr, "Secret") || strings.Contains(o.Stderr, "Key99") {
			t.Errorf("the value is quoted: %q", o.Stderr)
		}
	}
	if got := received(); len(got) != 0 {
		t.Errorf("sent anyway: %+v", got)
	}
}
