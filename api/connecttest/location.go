package connecttest

import (
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// modulePath is this SDK's module path, from this package's own import
// path.
var modulePath = strings.TrimSuffix(reflect.TypeFor[Server]().PkgPath(), "/api/connecttest")

// callerLocation returns "file.go:42", the first frame of the current
// goroutine outside this SDK, its dependencies and the standard library:
// in process, the user's line that made the request. A hook running on
// the user's goroutine cannot have t.Errorf point there (t.Helper marks
// only functions that call it), so the kit names the line itself (fail).
// Served (a listener's goroutine) there is no such frame, and it returns
// "".
func callerLocation() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		fr, more := frames.Next()
		if fr.Function != "" && !internalFrame(fr) {
			return filepath.Base(fr.File) + ":" + strconv.Itoa(fr.Line)
		}
		if !more {
			return ""
		}
	}
}

// internalFrame reports whether a frame is the SDK's (but for its own
// tests), a dependency's, or the standard library's.
func internalFrame(fr runtime.Frame) bool {
	pkg := funcPackage(fr.Function)
	if within(pkg, modulePath) {
		return !strings.HasSuffix(fr.File, "_test.go")
	}
	for _, dep := range dependencies {
		if within(pkg, dep) {
			return true
		}
	}
	return standardLibrary(pkg)
}

// funcPackage is the import path of a function's package, from its
// symbol name (example.com/a/b.(*T).M is example.com/a/b; myapp.Test is
// myapp).
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// within reports whether package pkg is in module mod.
func within(pkg, mod string) bool {
	return pkg == mod || strings.HasPrefix(pkg, mod+"/")
}

// standardLibrary reports whether pkg is the standard library's (runtime
// and testing included): a package of no module of the build. A module's
// path need not have a dot (go mod init myapp), so the build's own list
// of modules decides; without it (a build with no module information),
// a first element with no dot does.
func standardLibrary(pkg string) bool {
	mods, ok := buildModules()
	if !ok {
		first, _, _ := strings.Cut(pkg, "/")
		return !strings.Contains(first, ".")
	}
	for _, m := range mods {
		if within(pkg, m) {
			return false
		}
	}
	return true
}

// buildModules are the paths of the modules of the running program: the
// main module (the one under test) and its dependencies.
var buildModules = sync.OnceValues(func() ([]string, bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Path == "" {
		return nil, false
	}
	mods := []string{bi.Main.Path}
	for _, d := range bi.Deps {
		mods = append(mods, d.Path)
	}
	return mods, true
})

// dependencies are the modules of this SDK's that can be on a request's
// stack.
var dependencies = []string{"github.com/getkin/kin-openapi", "github.com/oapi-codegen/oapi-codegen/v2", "github.com/oapi-codegen/runtime",
	"golang.org/x/net", "golang.org/x/sync", "golang.org/x/sys", "golang.org/x/text", "github.com/google/uuid", "github.com/go-openapi/jsonpointer",
	"github.com/go-openapi/swag/jsonname", "github.com/santhosh-tekuri/jsonschema/v6", "go.yaml.in/yaml/v3", "go.yaml.in/yaml/v4", "github.com/apapsch/go-jsonmerge/v2"}
