package myapp

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api/connecttest"
)

// childEnv marks the test binary run by TestFailureStartsWithTheAppsLine.
const childEnv = "MYAPP_OFF_SPEC_CHILD"

func service(srv *connecttest.Server) *Service {
	return &Service{HTTP: srv.HTTPClient(), BaseURL: connecttest.InProcessURL, AppKey: connecttest.AppKey, Token: connecttest.Token}
}

// appLine is "service.go:N", the line of service.go that sends.
func appLine(t *testing.T) string {
	t.Helper()
	f, err := os.Open("service.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), "// service-do") {
			return "service.go:" + strconv.Itoa(n)
		}
	}
	t.Fatal("service.go has no service-do line")
	return ""
}

// TestOffSpecQuery is the failing test TestFailureStartsWithTheAppsLine
// runs in a child process: the app's request, through the test's own
// *testing.T.
func TestOffSpecQuery(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("run by TestFailureStartsWithTheAppsLine: it fails on purpose")
	}
	srv := connecttest.NewServer(t)
	if _, err := service(srv).Configurations(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestFailureStartsWithTheAppsLine: in a module whose path has no dot, go
// test shows the kit's failure starting with the app's own line
// (service.go), not testing.go's nor the kit's, and the test fails.
func TestFailureStartsWithTheAppsLine(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		t.Skip("the parent")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOffSpecQuery$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("the child: %v, want exit 1 (its test failed)\n%s", err, out)
	}
	first := regexp.MustCompile(`(?m)^=== RUN   TestOffSpecQuery\n(.*)\n`).FindStringSubmatch(string(out))
	want := "    " + appLine(t) + ": connecttest: Configurations.List (get_configurations): request breaks the API spec: query pageSize: unknown parameter"
	if first == nil || !strings.HasPrefix(first[1], want) {
		t.Errorf("the failure does not start %q:\n%s", want, out)
	}
	for _, not := range []string{"testing.go:", "requests.go:"} {
		if strings.Contains(string(out), not) {
			t.Errorf("the failure names %s:\n%s", not, out)
		}
	}
}

// collecting keeps the failures of a test of the app's own wrapper.
type collecting struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (c *collecting) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = append(c.failed, fmt.Sprintf(format, args...))
}

// TestWrapperGetsTheAppsLine: a testing.TB of the app's own gets the
// same message, the app's line first.
func TestWrapperGetsTheAppsLine(t *testing.T) {
	c := &collecting{TB: t}
	srv := connecttest.NewServer(c, connecttest.AllowInvalidRequests())
	if status, err := service(srv).Configurations(context.Background()); err != nil || status != 200 {
		t.Fatalf("allowed: %d %v, want the API's 200", status, err)
	}
	if c.failed != nil {
		t.Fatalf("allowed, yet reported %q", c.failed)
	}
	srv = connecttest.NewServer(c)
	if status, err := service(srv).Configurations(context.Background()); err != nil || status != 200 {
		t.Fatalf("%d %v, want the API's 200 (it ignores what it does not define)", status, err)
	}
	want := appLine(t) + ": connecttest: Configurations.List (get_configurations): request breaks the API spec: query pageSize: unknown parameter: " +
		"the operation defines no such query parameter (names are exact and case-sensitive)\n\t(GET /connect-components/configurations; " +
		"the server answered it as if it were valid, as the API would; NewServer(t, connecttest.AllowUnknownFields()) accepts fields and query parameters the spec does not define, sent on purpose)"
	if len(c.failed) != 1 || c.failed[0] != want {
		t.Errorf("reported %q, want %q", c.failed, want)
	}
}
