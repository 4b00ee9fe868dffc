package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
)

// collection is a named set of resources, scoped per owner (the keyed
// hash of an app key, owner.go), as the
// x-sandbox actions of the spec declare it. Its fields after byAppKey are
// guarded by Sandbox.mu.
type collection struct {
	name   string
	noun   string              // singular, for messages: configuration
	item   *openapi3.SchemaRef // a stored resource: the create answer's schema
	props  openapi3.Schemas    // its properties, allOf members merged
	idProp string              // the property holding the generated id
	idUUID bool                // ids are UUIDs: path ids are compared canonically

	byAppKey map[string]*partnerState // by owner
	count    int                      // resources stored, all app keys together
}

// partnerState is what one app key owns in a collection: each resource as
// the compact JSON object it is stored as, in creation order.
type partnerState struct {
	items map[string][]byte // id -> resource
	order []string
}

func newCollection(name string) *collection {
	return &collection{name: name, noun: strings.TrimSuffix(name, "s"), idProp: "id", byAppKey: map[string]*partnerState{}}
}

// define takes the resource schema of c from its create operation: the
// JSON object of the create answer, which must declare the id property.
func (c *collection) define(o *operation) error {
	if c.item != nil {
		return fmt.Errorf("collection %q has two create operations", c.name)
	}
	sch := jsonSchema(o.success)
	if sch == nil || sch.Value == nil {
		return fmt.Errorf("create: the %d answer has no JSON object schema", o.status)
	}
	props, _ := spec.Properties(sch.Value)
	if !sch.Value.Type.Is("object") && len(props) == 0 {
		return fmt.Errorf("create: the %d answer has no JSON object schema", o.status)
	}
	id := props[c.idProp]
	if id == nil || id.Value == nil {
		return fmt.Errorf("create: the %d answer's schema declares no %q property for the generated id", o.status, c.idProp)
	}
	c.item, c.props = sch, props
	c.idUUID = id.Value.Format == "uuid"
	return nil
}

// key returns the stored form of an id from a path or a body: a UUID in
// canonical (lower-case) form for a collection of UUIDs. ok is false for
// an id no resource can have.
func (c *collection) key(id string) (string, bool) {
	if !c.idUUID {
		return id, id != ""
	}
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return "", false
	}
	return u.String(), true
}

// partnerLocked returns the state of owner in c, creating it (and
// charging the budget for it) when create is true, and noting appKey as
// its name; reads never create, so probing with random keys costs no
// memory. The caller holds s.mu.
func (s *Sandbox) partnerLocked(c *collection, owner, appKey string, create bool) *partnerState {
	p := c.byAppKey[owner]
	if p == nil && create {
		p = &partnerState{items: map[string][]byte{}}
		c.byAppKey[owner] = p
		s.st.bytes += partnerCost(owner)
		if _, ok := s.names[owner]; !ok {
			s.names[owner] = strings.Clone(appKey)
		}
	}
	return p
}

// owns reports whether owner owns the resource id of c.
func (s *Sandbox) owns(c *collection, owner, id string) bool {
	k, ok := c.key(id)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := c.byAppKey[owner]
	if p == nil {
		return false
	}
	_, ok = p.items[k]
	return ok
}

// createResource stores the body's properties that the resource schema
// declares, plus a generated id, and answers the stored resource.
func (s *Sandbox) createResource(c *call) response {
	col := c.op.coll
	var in map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &in); err != nil || in == nil {
		return invalidField("body: not a JSON object").response()
	}
	declared := col.props
	rec := make(map[string]json.RawMessage, len(in)+1)
	for name, v := range in {
		if _, ok := declared[name]; ok && name != col.idProp {
			rec[name] = v
		}
	}
	id := newID().String()
	rec[col.idProp] = json.RawMessage(strconv.Quote(id))
	raw, err := json.Marshal(rec) // compact, keys sorted, a buffer of its own
	if err != nil {
		return invalidField("body: not a JSON object").response()
	}
	cost := resourceCost(id, raw)

	s.mu.Lock()
	perAppKey, total := s.st.limits()
	p := col.byAppKey[c.owner]
	title := strings.ToUpper(col.noun[:1]) + col.noun[1:]
	switch {
	case p != nil && len(p.order) >= perAppKey:
		s.mu.Unlock()
		return limitReached(title, fmt.Sprintf("This app key already has %d %s, the sandbox's limit per app key: delete some first.", perAppKey, col.name)).response()
	case col.count >= total:
		s.mu.Unlock()
		return limitReached(title, fmt.Sprintf("The sandbox already stores %d %s, its limit for all app keys together: delete some, or reset the sandbox.", total, col.name)).response()
	}
	if p == nil {
		cost += partnerCost(c.owner)
	}
	if fail := s.st.overBudget(cost, col.name); fail != nil {
		s.mu.Unlock()
		return fail.response()
	}
	p = s.partnerLocked(col, c.owner, c.appKey, true)
	p.items[id] = raw
	p.order = append(p.order, id)
	col.count++
	s.st.bytes += resourceCost(id, raw)
	s.mu.Unlock()
	s.changed()
	return resourceAnswer(c, raw)
}

// resourceAnswer answers one stored resource with the operation's success
// status; finish builds it from the response schema.
func resourceAnswer(c *call, raw []byte) response {
	v, err := decodeJSON(raw)
	if err != nil {
		return sandboxDefect(c.op, "a stored resource does not decode")
	}
	return response{status: c.op.status, body: v}
}

// storedLocked returns the resources owner owns in col, in creation
// order. Stored resources are never changed in place, so the slices are
// shared and may be read after the lock is released. The caller holds
// s.mu.
func storedLocked(col *collection, owner string) [][]byte {
	p := col.byAppKey[owner]
	if p == nil {
		return nil
	}
	raws := make([][]byte, 0, len(p.order))
	for _, id := range p.order {
		raws = append(raws, p.items[id])
	}
	return raws
}

// listResources answers the caller's resources in creation order; an
// empty list is [], never null. An answer documented as an object that
// wraps the list ({found, customers: [...]}) is that object: its example
// (else a value made from its schema) with the list in its place.
func (s *Sandbox) listResources(c *call) response {
	s.mu.Lock()
	raws := storedLocked(c.op.coll, c.owner)
	s.mu.Unlock()
	list := make([]any, 0, len(raws))
	for _, raw := range raws {
		v, err := decodeJSON(raw)
		if err != nil {
			return sandboxDefect(c.op, "a stored resource does not decode")
		}
		list = append(list, v)
	}
	if c.op.listProp == "" {
		return response{status: c.op.status, body: list}
	}
	r := c.op.success
	base, ok := r.Example()
	if !ok {
		base, _ = spec.Synthesize(r.Schema, true)
	}
	obj, _ := base.(map[string]any)
	wrapped := make(map[string]any, len(obj)+1)
	for k, v := range obj {
		wrapped[k] = v
	}
	wrapped[c.op.listProp] = list
	return response{status: c.op.status, body: wrapped}
}

func (s *Sandbox) getResource(c *call) response {
	col := c.op.coll
	id, ok := col.key(c.params[c.op.param])
	if !ok {
		return col.notFound()
	}
	s.mu.Lock()
	var raw []byte
	if p := col.byAppKey[c.owner]; p != nil {
		raw = p.items[id]
	}
	s.mu.Unlock()
	if raw == nil {
		return col.notFound()
	}
	return resourceAnswer(c, raw)
}

func (s *Sandbox) deleteResource(c *call) response {
	col := c.op.coll
	id, ok := col.key(c.params[c.op.param])
	if !ok || !s.deleteStored(col, c.owner, id) {
		return col.notFound()
	}
	s.changed()
	return response{status: c.op.status}
}

// deleteStored removes resource id of owner from col, and the owner's
// entry with its last resource, so that app keys made up by clients cost
// nothing once emptied. It reports whether there was one.
func (s *Sandbox) deleteStored(col *collection, owner, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := col.byAppKey[owner]
	if p == nil {
		return false
	}
	raw, ok := p.items[id]
	if !ok {
		return false
	}
	delete(p.items, id)
	p.order = slices.DeleteFunc(p.order, func(o string) bool { return o == id })
	s.st.bytes -= resourceCost(id, raw)
	if len(p.order) == 0 {
		delete(col.byAppKey, owner)
		s.st.bytes -= partnerCost(owner)
		s.forgetNameLocked(owner)
	}
	col.count--
	return true
}

// notFound is the same answer for an id that never existed, was deleted,
// or belongs to another partner: telling them apart would leak other
// partners' ids.
func (c *collection) notFound() response {
	return notFound("No " + c.noun + " with that id for this partner.").response()
}

// checkRefs answers 404 when a body property that x-sandbox refs names
// holds an id the caller does not own in its collection.
func (s *Sandbox) checkRefs(c *call) *response {
	if len(c.op.refs) == 0 {
		return nil
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &in); err != nil {
		r := invalidField("body: not a JSON object").response()
		return &r
	}
	props := make([]string, 0, len(c.op.refs))
	for p := range c.op.refs {
		props = append(props, p)
	}
	slices.Sort(props)
	for _, prop := range props {
		raw, ok := in[prop]
		if !ok {
			continue
		}
		col := c.op.refs[prop]
		var id string
		if err := json.Unmarshal(raw, &id); err != nil || !s.owns(col, c.owner, id) {
			r := notFound("body " + prop + ": no " + col.noun + " with that id for this partner.").response()
			return &r
		}
	}
	return nil
}

// configurationsCollection is the name the spec gives the configurations.
const configurationsCollection = "configurations"

// AppKeys returns, sorted, the app keys that own at least one resource
// (a configuration), as requests to this sandbox sent them. What is
// stored knows app keys only by their keyed hash: after UnmarshalState of
// a state that holds hashes (version 2), an app key is listed once a
// request has used it.
func (s *Sandbox) AppKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := []string{}
	for _, col := range s.colls {
		for owner, p := range col.byAppKey {
			if name, ok := s.names[owner]; ok && len(p.order) > 0 {
				keys = append(keys, name)
			}
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// ResourceCount returns how many resources (configurations) the sandbox
// stores, for all app keys together.
func (s *Sandbox) ResourceCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, col := range s.colls {
		n += col.count
	}
	return n
}

// Configurations returns the configurations appKey owns, in creation
// order, as the generated type: copies, so changing them changes nothing
// in the sandbox. It is empty, never nil, for an app key with none.
// Fields the generated type does not have (a newer spec's) are left out:
// the API answers them.
func (s *Sandbox) Configurations(appKey string) []gen.Configuration {
	out := []gen.Configuration{}
	col := s.colls[configurationsCollection]
	if col == nil {
		return out
	}
	owner := s.ownerOf(appKey)
	s.mu.Lock()
	raws := storedLocked(col, owner)
	s.mu.Unlock()
	for _, raw := range raws {
		var cfg gen.Configuration
		if err := json.Unmarshal(raw, &cfg); err == nil {
			out = append(out, cfg)
		}
	}
	return out
}

// limitReached is the answer to a create over a resource count limit.
func limitReached(title, details string) apiError {
	return apiError{status: http.StatusBadRequest, reason: gen.ReasonInvalidField,
		description: title + " limit of the sandbox reached.", details: details}
}
