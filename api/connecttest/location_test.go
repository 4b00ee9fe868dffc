package connecttest_test

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api/connecttest"
)

// childEnv marks the test binary run by TestFailureNamesTheUsersLine.
const childEnv = "CONNECTTEST_LOCATION_CHILD"

// TestOffSpecRequestFailsTheTest is the failing test that
// TestFailureNamesTheUsersLine runs in a child process: an off-spec
// request through the test's own *testing.T.
func TestOffSpecRequestFailsTheTest(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("the child of TestFailureNamesTheUsersLine: it fails on purpose")
	}
	srv := connecttest.NewServer(t)
	list := callOf(t, listOp(t))
	req := list.request(t, nil)
	req.URL.RawQuery = "notInTheSpec=1"
	resp, err := srv.HTTPClient().Do(req) // the line the failure names
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// lineOf is the number of the line of file holding marker.
func lineOf(t *testing.T, file, marker string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), marker) {
			return n
		}
	}
	t.Fatalf("%s holds no %q", file, marker)
	return 0
}

// TestFailureNamesTheUsersLine: through a test's own *testing.T, the
// failure of an off-spec request starts, as go test shows it, with the
// file:line of the user's code that sent it, not the kit's own; and the
// test fails.
func TestFailureNamesTheUsersLine(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		t.Skip("the parent")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOffSpecRequestFailsTheTest$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("the child: %v, want exit 1 (its test failed)\n%s", err, out)
	}
	line := lineOf(t, "location_test.go", "// the line the failure names")
	start := regexp.MustCompile(`(?m)^=== RUN   TestOffSpecRequestFailsTheTest\n(.*)\n`).FindStringSubmatch(string(out))
	want := "    location_test.go:" + strconv.Itoa(line) + ": connecttest: "
	if start == nil || !strings.HasPrefix(start[1], want) {
		t.Errorf("the failure's first line does not start %q:\n%s", want, out)
	}
	if strings.Contains(string(out), "requests.go:") {
		t.Errorf("the failure names the kit's own file:\n%s", out)
	}
	if !strings.Contains(string(out), "--- FAIL: TestOffSpecRequestFailsTheTest") {
		t.Errorf("the test did not fail:\n%s", out)
	}
}
