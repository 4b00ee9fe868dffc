// Package spec is the one reader of openapi.yaml. It turns the document
// into the typed view every part of the SDK works from: the generators at
// `make generate` time, and at run time (from the copy embedded in gen)
// the CLI, the sandbox, the test kit, the proxy and the conformance run.
//
// For each operation it gives the Go service and method, the CLI command,
// the parameters, the body and the responses with their examples (the
// media type's example and its named examples), the documented error
// shape, and the sandbox behaviour; for the document, the secret fields
// and headers and the reason codes. No other package reads the spec's x-
// extensions.
//
// Every extension is optional: the defaults give an operation with none a
// method, a command, a sandbox answer and a docs row.
//
//	x-sdk (operation):      service (default: the first tag as a Go name),
//	                        method (default: the operationId as a Go name),
//	                        docs (the docs' name of the operation),
//	                        result (the Go type of an operation with
//	                        several 2xx answers; default <Method><Service>Result)
//	x-sdk (response):       field (its field in that result type)
//	x-cli (operation):      command (default: "<service> <method>" in kebab case)
//	x-cli (param, property): aliases, default ("now" for a date-time),
//	                        default-flag (take that flag's value)
//	x-cli (response):       key, title (how the CLI prints one of several successes)
//	x-sandbox (operation):  {action, collection[, param]} or {handler[, refs]}
//	x-secret (property):    true or false; by default a property whose name
//	                        marks a credential (secret, password, token, ...)
//	x-reason-codes (schema): [{code, name, status, description}]
//
// What the model cannot decide is a *Problem naming its JSON pointer and
// the fix; New returns them all, joined.
package spec

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Model is the typed view of one OpenAPI document. It is read-only once
// built, and safe for concurrent use.
type Model struct {
	// Doc is the document, resolved. Callers must not modify it.
	Doc *openapi3.T
	// File names the document in messages ("openapi.yaml").
	File string
	// Operations in path order, then method order.
	Operations []*Operation
	// Services in name order, each with its operations in method order.
	Services []*Service
	// Secrets are the credentials the document declares.
	Secrets Secrets
	// Reasons are the reason codes the document declares (x-reason-codes),
	// by code.
	Reasons []Reason
	// Notes are the defaults the model applied that a maintainer should
	// know of (a property secret by its name), for `make generate` to list.
	Notes []Note

	byID   map[string]*Operation
	router *router
}

// Service is a group of operations: a field of api.Client, a command
// group of the CLI.
type Service struct {
	// Name is the Go name ("Configurations").
	Name string
	// Command is the CLI's word for it ("configurations").
	Command string
	// Description is the tag's description, when the service is a tag's.
	Description string
	// Operations in Go method order.
	Operations []*Operation
}

// Note is a default the model applied, at a JSON pointer.
type Note struct {
	Pointer string
	Text    string
}

func (n Note) String() string { return n.Pointer + ": " + n.Text }

// Problem is something in the document the model cannot decide: it names
// where (a JSON pointer, with the file) and the fix.
type Problem struct {
	File    string
	Pointer string
	Message string
	Fix     string
}

func (p *Problem) Error() string {
	s := fmt.Sprintf("%s#%s: %s", p.File, p.Pointer, p.Message)
	if p.Fix != "" {
		s += "; " + p.Fix
	}
	return s
}

// Load reads, resolves and models the document at path.
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse models a document given as bytes (YAML or JSON); name is the file
// name messages give.
func Parse(name string, data []byte) (*Model, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return New(name, doc)
}

// New models doc, which must be resolved (as a Loader leaves it). It
// checks the document's structure first (kin-openapi's Validate, without
// examples: a broken example is reported by Examples, not here).
func New(name string, doc *openapi3.T) (*Model, error) {
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaFormatValidation()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b := &builder{m: &Model{Doc: doc, File: name, byID: map[string]*Operation{}}}
	b.secrets()
	b.operations()
	b.services()
	b.reasons()
	if len(b.problems) > 0 {
		return nil, errors.Join(b.problems...)
	}
	b.m.router = newRouter(b.m.Operations)
	return b.m, nil
}

// builder collects the problems of one New.
type builder struct {
	m        *Model
	problems []error
}

func (b *builder) problem(pointer, fix, format string, args ...any) {
	b.problems = append(b.problems, &Problem{File: b.m.File, Pointer: pointer, Message: fmt.Sprintf(format, args...), Fix: fix})
}

func (b *builder) note(pointer, format string, args ...any) {
	b.m.Notes = append(b.m.Notes, Note{Pointer: b.m.File + "#" + pointer, Text: fmt.Sprintf(format, args...)})
}

// Operation returns the operation with operationId id.
func (m *Model) Operation(id string) (*Operation, bool) {
	o, ok := m.byID[id]
	return o, ok
}

// Service returns the service named name (its Go name).
func (m *Model) Service(name string) (*Service, bool) {
	for _, s := range m.Services {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Lookup finds an operation by any of the names users know it by: its
// api method ("Configurations.List"), its docs name
// ("get_configurations"), its operationId, or its CLI command
// ("configurations list").
func (m *Model) Lookup(name string) (*Operation, bool) {
	if o, ok := m.byID[name]; ok {
		return o, true
	}
	for _, o := range m.Operations {
		if o.Qualified() == name || (o.Docs != "" && o.Docs == name) || o.Command == name {
			return o, true
		}
	}
	return nil, false
}

var httpMethods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace}

func (b *builder) operations() {
	m := b.m
	paths := m.Doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		item := m.Doc.Paths.Value(path)
		for _, method := range httpMethods {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			o := b.operation(path, method, item, op)
			if o == nil {
				continue
			}
			if other, dup := m.byID[o.ID]; dup {
				b.problem(o.Pointer+"/operationId", "give each operation its own operationId", "operationId %q is also %s's", o.ID, other.Pointer)
				continue
			}
			m.byID[o.ID] = o
			m.Operations = append(m.Operations, o)
		}
	}
}

// services groups the operations and checks that every Go method and
// CLI command is unique.
func (b *builder) services() {
	m := b.m
	byName := map[string]*Service{}
	methods := map[string]*Operation{}
	commands := map[string]*Operation{}
	for _, o := range m.Operations {
		s := byName[o.service]
		if s == nil {
			s = &Service{Name: o.service, Command: Kebab(o.service)}
			for _, t := range m.Doc.Tags {
				if t != nil && GoName(t.Name) == o.service {
					s.Description = strings.TrimSpace(t.Description)
				}
			}
			byName[o.service] = s
			m.Services = append(m.Services, s)
		}
		o.Service = s
		s.Operations = append(s.Operations, o)
		if other := methods[o.Qualified()]; other != nil {
			b.problem(o.Pointer, "set x-sdk: {method: <another name>} on one of them", "the Go method %s is also %s's (#%s)", o.Qualified(), other.ID, other.Pointer)
		}
		methods[o.Qualified()] = o
	}
	// The CLI's word for a service is the path segment that spells it
	// ("OAuthURLs" is oauth-urls, not o-auth-urls), else its kebab case.
	for _, s := range m.Services {
		for _, o := range s.Operations {
			if w := segmentSpelling(s.Name, o.Path); w != "" {
				s.Command = w
				break
			}
		}
	}
	for _, o := range m.Operations {
		if o.Command == "" {
			o.Command = o.Service.Command + " " + Kebab(o.GoMethod)
		}
		if other := commands[o.Command]; other != nil {
			b.problem(o.Pointer, "set x-cli: {command: <another name>} on one of them", "the CLI command %q is also %s's (#%s)", o.Command, other.ID, other.Pointer)
		}
		commands[o.Command] = o
	}
	sort.Slice(m.Services, func(i, j int) bool { return m.Services[i].Name < m.Services[j].Name })
	for _, s := range m.Services {
		sort.SliceStable(s.Operations, func(i, j int) bool { return s.Operations[i].GoMethod < s.Operations[j].GoMethod })
	}
}

func segmentSpelling(service, path string) string {
	want := strings.ToLower(service)
	for _, seg := range strings.Split(path, "/") {
		if seg != "" && !strings.HasPrefix(seg, "{") && strings.ReplaceAll(strings.ToLower(seg), "-", "") == want {
			return strings.ToLower(seg)
		}
	}
	return ""
}

// extension decodes the x- extension name of an element into a map, or
// reports a problem at pointer when it is not an object.
func (b *builder) extension(ext map[string]any, name, pointer string) map[string]any {
	raw, ok := ext[name]
	if !ok || raw == nil {
		return nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		b.problem(pointer+"/"+pointerEscape(name), "write it as a mapping", "%s is a %T, not an object", name, raw)
		return nil
	}
	return m
}

// xString reads a string member of an extension, reporting one of
// another type.
func (b *builder) xString(x map[string]any, key, pointer string) string {
	v, ok := x[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		b.problem(pointer+"/"+pointerEscape(key), "write it as a string", "%s is a %T, not a string", key, v)
	}
	return s
}

func (b *builder) xStrings(x map[string]any, key, pointer string) []string {
	v, ok := x[key]
	if !ok || v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		b.problem(pointer+"/"+pointerEscape(key), "write it as a list of strings", "%s is a %T, not a list", key, v)
		return nil
	}
	var out []string
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			b.problem(pointer+"/"+pointerEscape(key)+"/"+strconv.Itoa(i), "write it as a string", "a %T, not a string", e)
			continue
		}
		out = append(out, s)
	}
	return out
}

// checkKeys reports the members of extension x that are not in known:
// a misspelt key must not be ignored.
func (b *builder) checkKeys(x map[string]any, name, pointer string, known ...string) {
	var unknown []string
	for k := range x {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		b.problem(pointer+"/"+pointerEscape(name)+"/"+pointerEscape(k), fmt.Sprintf("%s takes %s", name, strings.Join(known, ", ")), "unknown key %q", k)
	}
}
