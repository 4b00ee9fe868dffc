package spec

import (
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Sandbox is what an operation's x-sandbox declares the sandbox does:
//
//	x-sandbox: {action: create, collection: configurations}
//	x-sandbox: {action: get, collection: configurations, param: configuration_id}
//	x-sandbox: {handler: loginForm, refs: {configurationId: configurations}}
//
// An action works on a named collection of stored resources; a handler
// names a behaviour the sandbox has code for; refs names body properties
// that must hold the id of a resource of a collection. An operation with
// no x-sandbox answers its example, else a value built from its schema.
type Sandbox struct {
	// Action is create, list, get or delete.
	Action     string
	Collection string
	// Param is the path parameter holding the id, for get and delete
	// (default: the last one).
	Param   string
	Handler string
	Refs    map[string]string
	Pointer string
}

// RefNames are the properties of Refs, sorted.
func (s *Sandbox) RefNames() []string {
	out := make([]string, 0, len(s.Refs))
	for k := range s.Refs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SandboxActions are the actions x-sandbox takes.
var SandboxActions = []string{"create", "list", "get", "delete"}

// collectionName is what a collection may be called: a JSON key of the
// sandbox's state file, beside its reserved keys.
var collectionName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

var reservedCollections = []string{"version", "tokens", "oauth", "keys"}

func (b *builder) sandbox(ext map[string]any, opPtr string) *Sandbox {
	x := b.extension(ext, "x-sandbox", opPtr)
	if x == nil {
		return nil
	}
	ptr := opPtr + "/x-sandbox"
	const fix = "write {action: create|list|get|delete, collection: <name>[, param: <path parameter>]} or {handler: <name>[, refs: {<property>: <collection>}]}"
	b.checkKeys(x, "x-sandbox", opPtr, "action", "collection", "param", "handler", "refs")
	s := &Sandbox{Action: b.xString(x, "action", ptr), Collection: b.xString(x, "collection", ptr), Param: b.xString(x, "param", ptr),
		Handler: b.xString(x, "handler", ptr), Pointer: ptr}
	if raw, ok := x["refs"]; ok {
		refs, ok := raw.(map[string]any)
		if !ok {
			b.problem(ptr+"/refs", fix, "refs is a %T, not an object", raw)
		}
		s.Refs = map[string]string{}
		for k, v := range refs {
			c, ok := v.(string)
			if !ok {
				b.problem(ptr+"/refs/"+pointerEscape(k), fix, "a %T, not a collection name", v)
				continue
			}
			s.Refs[k] = c
		}
	}
	switch {
	case s.Action != "" && s.Handler != "":
		b.problem(ptr, fix, "an action and a handler: declare one")
	case s.Action == "" && s.Handler == "":
		b.problem(ptr, fix, "no action or handler")
	case s.Action != "":
		if !slices.Contains(SandboxActions, s.Action) {
			b.problem(ptr+"/action", fix, "action %q: want %s", s.Action, strings.Join(SandboxActions, ", "))
		}
		if !collectionName.MatchString(s.Collection) || slices.Contains(reservedCollections, s.Collection) {
			b.problem(ptr+"/collection", fix, "collection %q: want a name of letters, digits, - and _ other than %s", s.Collection, strings.Join(reservedCollections, ", "))
		}
	}
	return s
}
