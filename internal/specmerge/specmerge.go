// Package specmerge imports operations from one OpenAPI 3.0 document (the
// other) into another (the base) at the YAML node level, so the base keeps
// its key order, quoting and comments: only additions are made to it.
//
// An imported operation brings every component it reaches, transitively
// (schemas, parameters, responses, request bodies, headers, examples,
// links, callbacks and the security schemes it requires), and the
// definitions of the tags it uses. Names are kept as they are: nothing is
// renamed, so a name both documents use must mean the same thing in both.
// When it does not, or when both documents define the same path and
// method or the same operationId, Merge fails naming both places as JSON
// pointers; it never picks a winner.
package specmerge

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Source is one document to merge.
type Source struct {
	// Name is how messages name the document, usually its path.
	Name string
	Data []byte
}

// Selection says which operations of the other document to import. An
// operation is selected when its operationId is listed or one of its tags
// is; an empty Selection selects every operation.
type Selection struct {
	OperationIDs []string
	Tags         []string
}

func (s Selection) empty() bool { return len(s.OperationIDs) == 0 && len(s.Tags) == 0 }

// Result is the merged document and what was added to the base.
type Result struct {
	// Data is the base document with the additions, as YAML.
	Data []byte
	// Operations lists the imported operations as "METHOD path", in the
	// other document's order.
	Operations []string
	// Added lists the components copied into the base, as pointers of the
	// other document; Shared those the base already had, identical.
	Added, Shared []string
	// Tags lists the tag definitions copied into the base.
	Tags []string
}

// methods are the operation keys of a path item, in the order OpenAPI
// lists them.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// componentSections are the sections of components, in the order a new
// one is appended to the base.
var componentSections = []string{"schemas", "responses", "parameters", "examples", "requestBodies", "headers", "securitySchemes", "links", "callbacks"}

// securitySchemeKeys decide what a security scheme sends. Two schemes of
// the same name are the same scheme when these agree: documents describe
// the same header in their own words, and a description never changes a
// request.
var securitySchemeKeys = []string{"type", "in", "name", "scheme", "bearerFormat", "flows", "openIdConnectUrl"}

// document is a parsed source.
type document struct {
	name string
	file *yaml.Node // the document node, which holds the head comments
	root *yaml.Node // its top-level mapping
}

// operation is one operation of the other document.
type operation struct {
	path, method string
	item, node   *yaml.Node // the path item and the operation
	id           string
	tags         []string
}

func (o *operation) pointer() string { return pointer("paths", o.path, o.method) }

func (o *operation) String() string { return strings.ToUpper(o.method) + " " + o.path }

// Merge returns base with the operations of other that sel selects, and
// every component and tag definition they use. It reports every conflict
// it finds at once, one a line.
func Merge(base, other Source, sel Selection) (*Result, error) {
	b, err := parse(base)
	if err != nil {
		return nil, err
	}
	o, err := parse(other)
	if err != nil {
		return nil, err
	}
	if bv, ov := version(b), version(o); bv != ov {
		return nil, fmt.Errorf("%s is OpenAPI %s and %s is OpenAPI %s: only documents of the same minor version merge", b.name, bv, o.name, ov)
	}
	ops, err := o.operations()
	if err != nil {
		return nil, err
	}
	chosen, err := choose(o, ops, sel)
	if err != nil {
		return nil, err
	}
	m := &merger{base: b, other: o, need: map[componentKey]string{}, res: &Result{}}
	m.paths(chosen)
	m.tags(chosen)
	m.components()
	if len(m.conflicts) > 0 {
		return nil, &ConflictError{Problems: m.conflicts}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(b.file); err != nil {
		return nil, fmt.Errorf("encode the merged document: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode the merged document: %w", err)
	}
	m.res.Data = out.Bytes()
	return m.res, nil
}

// ConflictError lists what stops a merge: conflicts between the two
// documents and references Merge cannot follow. Each problem names the
// places concerned as document#pointer.
type ConflictError struct {
	Problems []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("cannot merge, %d problem(s):\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

func parse(src Source) (*document, error) {
	var file yaml.Node
	if err := yaml.Unmarshal(src.Data, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	if file.Kind != yaml.DocumentNode || len(file.Content) != 1 || file.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not an OpenAPI document: its top level is not a mapping", src.Name)
	}
	d := &document{name: src.Name, file: &file, root: file.Content[0]}
	if v := lookup(d.root, "openapi"); v == nil || v.Kind != yaml.ScalarNode || !strings.HasPrefix(v.Value, "3.") {
		return nil, fmt.Errorf("%s: not an OpenAPI 3 document: no openapi: 3.x at the top level", src.Name)
	}
	return d, nil
}

// version is the document's major.minor OpenAPI version.
func version(d *document) string {
	v := lookup(d.root, "openapi").Value
	if i := strings.Index(v, "."); i >= 0 {
		if j := strings.Index(v[i+1:], "."); j >= 0 {
			return v[:i+1+j]
		}
	}
	return v
}

// ref names the document and a pointer in it, as messages show them.
func (d *document) ref(ptr string) string { return d.name + ptr }

// operations lists the document's operations in document order.
func (d *document) operations() ([]*operation, error) {
	paths := lookup(d.root, "paths")
	if paths == nil {
		return nil, nil
	}
	if paths.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: paths is not a mapping", d.ref(pointer("paths")))
	}
	var ops []*operation
	for i := 0; i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, resolveAlias(paths.Content[i+1])
		if item.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: a path item must be a mapping", d.ref(pointer("paths", path)))
		}
		if lookup(item, "$ref") != nil {
			return nil, fmt.Errorf("%s: path items given by $ref are not supported: inline it first", d.ref(pointer("paths", path)))
		}
		for j := 0; j+1 < len(item.Content); j += 2 {
			method := item.Content[j].Value
			if !slices.Contains(methods, method) {
				continue
			}
			node := resolveAlias(item.Content[j+1])
			op := &operation{path: path, method: method, item: item, node: node}
			if v := lookup(node, "operationId"); v != nil {
				op.id = v.Value
			}
			if v := lookup(node, "tags"); v != nil {
				for _, t := range v.Content {
					op.tags = append(op.tags, resolveAlias(t).Value)
				}
			}
			ops = append(ops, op)
		}
	}
	return ops, nil
}

// choose applies sel to ops. Every operationId and tag it names must
// exist: a typo must not import less than was asked for.
func choose(d *document, ops []*operation, sel Selection) ([]*operation, error) {
	if len(ops) == 0 {
		return nil, fmt.Errorf("%s has no operations to import", d.name)
	}
	if sel.empty() {
		return ops, nil
	}
	ids := map[string]bool{}
	tags := map[string]bool{}
	var allIDs, allTags []string
	for _, op := range ops {
		if op.id != "" {
			ids[op.id] = true
			allIDs = append(allIDs, op.id)
		}
		for _, t := range op.tags {
			if !tags[t] {
				tags[t] = true
				allTags = append(allTags, t)
			}
		}
	}
	var problems []string
	for _, id := range sel.OperationIDs {
		if !ids[id] {
			problems = append(problems, fmt.Sprintf("%s has no operation with operationId %q%s", d.name, id, nearMatches(id, allIDs, "operationIds")))
		}
	}
	for _, t := range sel.Tags {
		if !tags[t] {
			problems = append(problems, fmt.Sprintf("%s has no operation tagged %q%s", d.name, t, nearMatches(t, allTags, "tags")))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	var chosen []*operation
	for _, op := range ops {
		if (op.id != "" && slices.Contains(sel.OperationIDs, op.id)) || slices.ContainsFunc(op.tags, func(t string) bool { return slices.Contains(sel.Tags, t) }) {
			chosen = append(chosen, op)
		}
	}
	return chosen, nil
}

// nearMatches lists up to five of candidates that look like want: the
// same but for case, one containing the other, or a few edits away. noun
// names the candidates when none does.
func nearMatches(want string, candidates []string, noun string) string {
	type scored struct {
		name string
		dist int
	}
	lw := strings.ToLower(want)
	var found []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editDistance(lw, lc)
		if d <= max(2, len(lw)/3) || len(lw) >= 3 && (strings.Contains(lc, lw) || strings.Contains(lw, lc)) {
			found = append(found, scored{c, d})
		}
	}
	if len(found) == 0 {
		return fmt.Sprintf(" (none of its %d %s resembles it)", len(candidates), noun)
	}
	slices.SortFunc(found, func(a, b scored) int { return cmp.Or(cmp.Compare(a.dist, b.dist), strings.Compare(a.name, b.name)) })
	var names []string
	for i, f := range found {
		if i == 5 {
			break
		}
		names = append(names, f.name)
	}
	return "; near matches: " + strings.Join(names, ", ")
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// componentKey names a component: its section and its name.
type componentKey struct{ section, name string }

func (k componentKey) pointer() string { return pointer("components", k.section, k.name) }

type merger struct {
	base, other *document
	// need holds the components to import, with the pointer (in the
	// other document) of the first place that refers to each.
	need      map[componentKey]string
	queue     []componentKey
	conflicts []string
	res       *Result
}

func (m *merger) conflict(format string, args ...any) {
	m.conflicts = append(m.conflicts, fmt.Sprintf(format, args...))
}

// paths adds the chosen operations to the base's paths.
func (m *merger) paths(chosen []*operation) {
	basePaths := lookup(m.base.root, "paths")
	if basePaths == nil {
		basePaths = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		appendPair(m.base.root, "paths", basePaths)
	}
	unflowEmpty(basePaths)
	// Templates that differ only in their parameters' names are one path
	// to OpenAPI: /a/{x} and /a/{y} cannot both be defined.
	byTemplate := map[string]string{}
	for i := 0; i+1 < len(basePaths.Content); i += 2 {
		byTemplate[template(basePaths.Content[i].Value)] = basePaths.Content[i].Value
	}
	baseIDs := map[string]string{}
	if ops, err := m.base.operations(); err == nil {
		for _, op := range ops {
			if op.id != "" {
				baseIDs[op.id] = op.pointer()
			}
		}
	}
	created := map[string]*yaml.Node{} // path -> the item made for it in the base
	for _, op := range chosen {
		if p, ok := baseIDs[op.id]; ok && op.id != "" {
			m.conflict("operationId %q is used by both %s and %s", op.id, m.base.ref(p), m.other.ref(op.pointer()))
			continue
		}
		node := clone(op.node)
		if item := created[op.path]; item != nil {
			appendPair(item, op.method, node)
		} else if existing, ok := byTemplate[template(op.path)]; ok && existing != op.path {
			m.conflict("%s and %s are the same path template with different parameter names", m.base.ref(pointer("paths", existing)), m.other.ref(pointer("paths", op.path)))
			continue
		} else if item := lookup(basePaths, op.path); item != nil {
			// A path the base already has: the operation joins it, and
			// the other's path-level parameters move into the operation,
			// where they keep applying to it alone.
			if lookup(item, op.method) != nil {
				m.conflict("%s is defined by both %s and %s", op, m.base.ref(pointer("paths", op.path, op.method)), m.other.ref(op.pointer()))
				continue
			}
			m.pushDownParameters(op, node)
			appendPair(item, op.method, node)
		} else {
			// A new path: its path-level fields come along.
			item := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for i := 0; i+1 < len(op.item.Content); i += 2 {
				if k := op.item.Content[i].Value; !slices.Contains(methods, k) {
					v := clone(op.item.Content[i+1])
					m.walk(v, pointer("paths", op.path, k))
					item.Content = append(item.Content, clone(op.item.Content[i]), v)
				}
			}
			appendPair(item, op.method, node)
			appendPair(basePaths, op.path, item)
			created[op.path] = item
			byTemplate[template(op.path)] = op.path
		}
		m.security(op, node)
		m.walk(node, op.pointer())
		if op.id != "" {
			baseIDs[op.id] = op.pointer()
		}
		m.res.Operations = append(m.res.Operations, op.String())
	}
}

// pushDownParameters gives node, a copy of op, the path-level parameters
// of op's path item that it does not override itself (same name and in).
func (m *merger) pushDownParameters(op *operation, node *yaml.Node) {
	shared := lookup(op.item, "parameters")
	if shared == nil || len(shared.Content) == 0 {
		return
	}
	own := lookup(node, "parameters")
	overridden := map[string]bool{}
	if own != nil {
		for _, p := range own.Content {
			overridden[m.parameterKey(p)] = true
		}
	}
	var moved []*yaml.Node
	for _, p := range shared.Content {
		if !overridden[m.parameterKey(p)] {
			moved = append(moved, clone(p))
		}
	}
	if len(moved) == 0 {
		return
	}
	if own == nil {
		own = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		insertPair(node, "parameters", own, "requestBody", "responses", "callbacks", "deprecated", "security", "servers")
	}
	own.Content = append(moved, own.Content...)
}

// parameterKey identifies a parameter of the other document as in+name,
// following a $ref to components/parameters.
func (m *merger) parameterKey(p *yaml.Node) string {
	p = resolveAlias(p)
	for range 8 { // a chain of $refs longer than this is not followed
		r := lookup(p, "$ref")
		if r == nil {
			break
		}
		key, ok := parseRef(r.Value)
		if !ok || key.section != "parameters" {
			return r.Value
		}
		target := m.other.component(key)
		if target == nil {
			return r.Value
		}
		p = target
	}
	var in, name string
	if v := lookup(p, "in"); v != nil {
		in = v.Value
	}
	if v := lookup(p, "name"); v != nil {
		name = v.Value
	}
	return in + " " + name
}

// security keeps the security an operation had in the other document. One
// without its own security requirement follows the document's: when that
// differs from the base's, the operation gets a copy of it (an empty one
// when the other document requires nothing), so it does not silently
// take the base's.
func (m *merger) security(op *operation, node *yaml.Node) {
	req := lookup(node, "security")
	if req == nil {
		otherReq, baseReq := lookup(m.other.root, "security"), lookup(m.base.root, "security")
		if !reflect.DeepEqual(canonical(otherReq), canonical(baseReq)) {
			if otherReq != nil {
				req = clone(otherReq)
			} else {
				req = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
			}
			insertPair(node, "security", req, "servers")
		} else {
			req = otherReq
		}
	}
	if req == nil {
		return
	}
	for _, alt := range req.Content {
		alt = resolveAlias(alt)
		for i := 0; i+1 < len(alt.Content); i += 2 {
			m.require(componentKey{"securitySchemes", alt.Content[i].Value}, op.pointer()+"/security")
		}
	}
}

// tags copies the definitions of the tags the chosen operations use,
// unless the base defines them already (the base's wording is kept).
func (m *merger) tags(chosen []*operation) {
	otherTags := lookup(m.other.root, "tags")
	if otherTags == nil {
		return
	}
	used := map[string]bool{}
	for _, op := range chosen {
		for _, t := range op.tags {
			used[t] = true
		}
	}
	baseTags := lookup(m.base.root, "tags")
	have := map[string]bool{}
	if baseTags != nil {
		for _, t := range baseTags.Content {
			if n := lookup(resolveAlias(t), "name"); n != nil {
				have[n.Value] = true
			}
		}
	}
	for _, t := range otherTags.Content {
		t = resolveAlias(t)
		n := lookup(t, "name")
		if n == nil || !used[n.Value] || have[n.Value] {
			continue
		}
		if baseTags == nil {
			baseTags = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			appendPair(m.base.root, "tags", baseTags)
		}
		unflowEmpty(baseTags)
		baseTags.Content = append(baseTags.Content, clone(t))
		have[n.Value] = true
		m.res.Tags = append(m.res.Tags, n.Value)
	}
}

// require records that the component key is needed, first by from.
func (m *merger) require(key componentKey, from string) {
	if _, ok := m.need[key]; ok {
		return
	}
	m.need[key] = from
	m.queue = append(m.queue, key)
}

// walk records every component n refers to. at is n's pointer in the
// other document, for messages.
func (m *merger) walk(n *yaml.Node, at string) {
	walkRefs(n, at, false, func(ref, from string) {
		key, ok := parseRef(ref)
		if !ok {
			m.conflict("%s refers to %q: only references to #/components/<section>/<name> of the same document are supported (bundle the document first)", m.other.ref(from), ref)
			return
		}
		m.require(key, from)
	})
}

// components resolves the needed components transitively, then copies
// those the base lacks and checks those it has.
func (m *merger) components() {
	for len(m.queue) > 0 {
		key := m.queue[0]
		m.queue = m.queue[1:]
		node := m.other.component(key)
		if node == nil {
			m.conflict("%s refers to %s, which %s does not define", m.other.ref(m.need[key]), key.pointer(), m.other.name)
			continue
		}
		m.walk(node, key.pointer())
	}
	if len(m.need) == 0 {
		return
	}
	otherComps := lookup(m.other.root, "components")
	baseComps := lookup(m.base.root, "components")
	if otherComps == nil {
		return // every needed component was reported missing above
	}
	// The other document's order: its sections as it lists them, then
	// its names as it lists them.
	var sections []string
	for i := 0; i+1 < len(otherComps.Content); i += 2 {
		sections = append(sections, otherComps.Content[i].Value)
	}
	slices.SortStableFunc(sections, func(a, b string) int {
		return cmp.Compare(sectionRank(a), sectionRank(b))
	})
	for _, section := range sections {
		names := lookup(otherComps, section)
		if names == nil {
			continue
		}
		for i := 0; i+1 < len(names.Content); i += 2 {
			key := componentKey{section, names.Content[i].Value}
			if _, ok := m.need[key]; !ok {
				continue
			}
			node := resolveAlias(names.Content[i+1])
			var existing *yaml.Node
			if baseComps != nil {
				existing = m.base.component(key)
			}
			if existing != nil {
				if !sameComponent(section, existing, node) {
					m.conflict("%s and %s have the same name and differ (the import needs it for %s)", m.base.ref(key.pointer()), m.other.ref(key.pointer()), m.other.ref(m.need[key]))
					continue
				}
				m.res.Shared = append(m.res.Shared, key.pointer())
				continue
			}
			if baseComps == nil {
				baseComps = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				appendPair(m.base.root, "components", baseComps)
			}
			unflowEmpty(baseComps)
			target := lookup(baseComps, section)
			if target == nil {
				target = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				appendPair(baseComps, section, target)
			}
			unflowEmpty(target)
			appendPair(target, key.name, clone(node))
			m.res.Added = append(m.res.Added, key.pointer())
		}
	}
}

// sectionRank orders sections the way componentSections lists them, the
// ones it does not know (extensions) last.
func sectionRank(s string) int {
	if i := slices.Index(componentSections, s); i >= 0 {
		return i
	}
	return len(componentSections)
}

// component returns the node of key in d, or nil.
func (d *document) component(key componentKey) *yaml.Node {
	comps := lookup(d.root, "components")
	if comps == nil {
		return nil
	}
	section := lookup(resolveAlias(comps), key.section)
	if section == nil {
		return nil
	}
	if n := lookup(resolveAlias(section), key.name); n != nil {
		return resolveAlias(n)
	}
	return nil
}

// sameComponent tells whether two components of one section mean the
// same: their decoded values are equal (so quoting, key order and comments
// do not matter), and for security schemes only what decides the request
// is compared.
func sameComponent(section string, a, b *yaml.Node) bool {
	ca, cb := canonical(a), canonical(b)
	if section == "securitySchemes" {
		ma, okA := ca.(map[string]any)
		mb, okB := cb.(map[string]any)
		if okA && okB {
			for _, k := range securitySchemeKeys {
				if !reflect.DeepEqual(ma[k], mb[k]) {
					return false
				}
			}
			return true
		}
	}
	return reflect.DeepEqual(ca, cb)
}

// canonical decodes n into plain values: maps keyed by the key's text
// (JSON has only string keys) and every number as a float64, so 1 and 1.0
// compare equal as they do in JSON.
func canonical(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return canonical(n.Content[0])
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[resolveAlias(n.Content[i]).Value] = canonical(n.Content[i+1])
		}
		return out
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = canonical(c)
		}
		return out
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		switch x := v.(type) {
		case int:
			return float64(x)
		case int64:
			return float64(x)
		case uint64:
			return float64(x)
		}
		return v
	}
}

// walkRefs calls visit for every reference under n: each $ref, and each
// value of a discriminator's mapping. Literal values (example, default,
// enum, the value of an Example object, extensions) are not looked into:
// a "$ref" key there is data. names says n's keys are names (of
// properties, responses, media types...) rather than keywords.
func walkRefs(n *yaml.Node, at string, names bool, visit func(ref, at string)) {
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkRefs(c, fmt.Sprintf("%s/%d", at, i), false, visit)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, resolveAlias(n.Content[i+1])
			here := at + "/" + escape(k)
			if names {
				walkRefs(v, here, false, visit)
				continue
			}
			switch {
			case k == "$ref" && v.Kind == yaml.ScalarNode:
				visit(v.Value, here)
			case k == "example" || k == "default" || k == "enum" || k == "value" || strings.HasPrefix(k, "x-"):
				// data, not document structure
			case k == "discriminator":
				if mapping := lookup(v, "mapping"); mapping != nil {
					for j := 0; j+1 < len(mapping.Content); j += 2 {
						target := resolveAlias(mapping.Content[j+1]).Value
						if !strings.Contains(target, "#") && !strings.Contains(target, "/") {
							target = "#/components/schemas/" + target
						}
						visit(target, here+"/mapping/"+escape(mapping.Content[j].Value))
					}
				}
			case nameMaps[k]:
				walkRefs(v, here, true, visit)
			default:
				walkRefs(v, here, false, visit)
			}
		}
	}
}

// nameMaps are the keywords whose value maps names to objects.
var nameMaps = map[string]bool{
	"properties": true, "responses": true, "content": true, "headers": true,
	"encoding": true, "links": true, "callbacks": true, "examples": true,
	"schemas": true, "requestBodies": true, "securitySchemes": true,
	"variables": true, "patternProperties": true,
	// "parameters" is a list in operations and path items: a list's
	// items are objects, so it needs no entry here.
}

// parseRef splits a local reference #/components/<section>/<name>[/...]
// into its component.
func parseRef(ref string) (componentKey, bool) {
	rest, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		return componentKey{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 {
		return componentKey{}, false
	}
	section, err1 := unescape(parts[0])
	name, err2 := unescape(parts[1])
	if err1 != nil || err2 != nil || section == "" || name == "" {
		return componentKey{}, false
	}
	return componentKey{section, name}, true
}

// pointer builds the JSON pointer of the given keys, as a URI fragment.
func pointer(keys ...string) string {
	var b strings.Builder
	b.WriteString("#")
	for _, k := range keys {
		b.WriteString("/")
		b.WriteString(escape(k))
	}
	return b.String()
}

// escape escapes one JSON pointer token (RFC 6901).
func escape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// unescape reverses escape, after the percent-decoding a reference (a URI
// fragment) may carry.
func unescape(s string) (string, error) {
	s, err := url.PathUnescape(s)
	if err != nil {
		return "", err
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s), nil
}

// template is a path with its parameters' names blanked: the form under
// which two paths are the same to OpenAPI.
func template(path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '{':
			depth++
			if depth == 1 {
				b.WriteString("{}")
			}
		case r == '}' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil {
		return nil
	}
	m = resolveAlias(m)
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolveAlias(m.Content[i+1])
		}
	}
	return nil
}

func appendPair(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// unflowEmpty turns an empty flow-style container of the base ({} or [])
// into a block one before it is filled: a whole imported section written
// on one line would be unreadable. One that holds entries keeps its style.
func unflowEmpty(n *yaml.Node) {
	if len(n.Content) == 0 {
		n.Style &^= yaml.FlowStyle
	}
}

// insertPair adds key to m before the first of the keys before it has,
// or at the end: where OpenAPI lists the field.
func insertPair(m *yaml.Node, key string, v *yaml.Node, before ...string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if slices.Contains(before, m.Content[i].Value) {
			k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
			m.Content = slices.Insert(m.Content, i, k, v)
			return
		}
	}
	appendPair(m, key, v)
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// clone copies n deeply, expanding aliases: an anchor of the other
// document means nothing in the base.
func clone(n *yaml.Node) *yaml.Node {
	n = resolveAlias(n)
	c := *n
	c.Anchor = ""
	c.Alias = nil
	if n.Content != nil {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			c.Content[i] = clone(x)
		}
	}
	return &c
}
