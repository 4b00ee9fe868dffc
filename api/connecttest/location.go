package connecttest

import (
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
)

// modulePath is this SDK's module path, from this package's own import
// path.
var modulePath = strings.TrimSuffix(reflect.TypeFor[Server]().PkgPath(), "/api/connecttest")

// callerLocation returns "file.go:42: ", the first frame of the current
// goroutine outside this SDK, its dependencies and the standard library:
// in process, the user's line that made the request. A hook running on
// the user's goroutine cannot have t.Errorf point there (t.Helper marks
// only functions that call it), so the kit names the line in the message.
// Served (a listener's goroutine) there is no such frame, and it returns
// "".
func callerLocation() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		fr, more := frames.Next()
		if fr.Function != "" && !internalFrame(fr) {
			return filepath.Base(fr.File) + ":" + strconv.Itoa(fr.Line) + ": "
		}
		if !more {
			return ""
		}
	}
}

// internalFrame reports whether a frame is the SDK's (but for its own
// tests), a dependency's, or the standard library's.
func internalFrame(fr runtime.Frame) bool {
	fn := fr.Function
	if strings.HasPrefix(fn, modulePath+"/") || strings.HasPrefix(fn, modulePath+".") {
		return !strings.HasSuffix(fr.File, "_test.go")
	}
	first, _, _ := strings.Cut(fn, "/")
	if !strings.Contains(first, ".") {
		return true // the standard library, runtime and testing included
	}
	for _, dep := range dependencies {
		if strings.HasPrefix(fn, dep) {
			return true
		}
	}
	return false
}

// dependencies are the modules of this SDK's that can be on a request's
// stack.
var dependencies = []string{"github.com/getkin/kin-openapi/", "github.com/oapi-codegen/", "golang.org/x/"}
