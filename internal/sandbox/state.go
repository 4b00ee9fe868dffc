package sandbox

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
)

// Bounds on what a sandbox stores, so that a long-running sandbox (a
// served one, or one shared by a whole test suite) keeps a bounded heap
// whatever its clients send.
const (
	// DefaultMaxStateBytes is the byte budget of the stored state: every
	// stored resource (configuration) with its id and app key, issued
	// token and OAuth session, each counted as its bytes plus a fixed
	// overhead for its place in the sandbox's maps. A create that would go
	// past it is refused (400, reason 10010), never made room for by
	// forgetting something. 64 MiB holds about a thousand configurations
	// of the largest body the sandbox accepts, or hundreds of thousands of
	// typical ones. WithMaxStateBytes changes it.
	DefaultMaxStateBytes int64 = 64 << 20
	// MaxAppKeyBytes caps the Finicity-App-Key header: a longer one, or
	// one holding anything but visible ASCII characters, is answered 401
	// (reason 10026). Real app keys are 32 hexadecimal characters.
	MaxAppKeyBytes = 256
	// MaxIDBytes caps ids: string path parameters (customer_id) and the
	// body's string properties named id or ending in Id (customerId,
	// partnerId). A longer one is answered 400 (reason 10010), or 404 by
	// an operation that documents no 400.
	MaxIDBytes = 256
	// DefaultMaxConfigurationsPerAppKey bounds the configurations one app
	// key stores. A real partner keeps a handful; a thousand leaves room
	// for any test suite, while a test that leaks one configuration per
	// run reaches it soon enough to be noticed.
	DefaultMaxConfigurationsPerAppKey = 1000
	// DefaultMaxConfigurations bounds the configurations stored for all
	// app keys together, whatever their size (the byte budget bounds
	// that).
	DefaultMaxConfigurations = 100_000
	// maxTokens bounds issued tokens remembered with token checking on.
	// At the cap the oldest token is forgotten: with the same lifetime for
	// all, it is the first to expire anyway. Ten thousand live tokens is
	// more than one every second of a two-hour lifetime.
	maxTokens = 10_000
	// maxOAuthSessions bounds the OAuth sessions remembered; at the cap
	// the oldest is forgotten (its page answers 404), as a real OAuth
	// session would have timed out long before.
	maxOAuthSessions = 10_000
)

// What a stored item costs the budget beyond its bytes: its entries in
// the maps and slices that hold it, and its framing in the state file
// (BenchmarkCreateFlood compares the count with the live heap).
const (
	resourceOverhead = 128 // map entry, id string, order slot
	partnerOverhead  = 256 // an app key's own map and order slice, its entry in the collection
	tokenOverhead    = 128 // map entry, order slot, grant
	sessionOverhead  = 96  // map entry, order slot
)

// Strings are counted as the larger of their bytes in memory and in the
// state file (quotedLen), so that MarshalState's output stays within the
// budget too.
func resourceCost(id string, raw []byte) int64 { return int64(len(id)+len(raw)) + resourceOverhead }
func tokenCost(tok, owner string) int64        { return quotedLen(tok) + int64(len(owner)) + tokenOverhead }

// partnerCost is what an owner's entry in a collection costs: the owner
// (a keyed hash of fixed length), and room for the app key it is known
// by in memory (AppKeys), whose length a loaded state does not tell.
func partnerCost(owner string) int64       { return int64(len(owner)) + MaxAppKeyBytes + partnerOverhead }
func sessionCost(redirectURI string) int64 { return quotedLen(redirectURI) + sessionOverhead }

// quotedLen bounds the length of s as a JSON string in the state file,
// quotes excluded (HTML characters are not escaped there).
func quotedLen(s string) int64 {
	n := int64(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n++
		case c < 0x20:
			n += 5
		}
	}
	return n
}

// validAppKey reports whether appKey can be stored and written back
// unchanged: 1 to MaxAppKeyBytes visible ASCII characters.
func validAppKey(appKey string) bool {
	if appKey == "" || len(appKey) > MaxAppKeyBytes {
		return false
	}
	for i := 0; i < len(appKey); i++ {
		if appKey[i] < 0x21 || appKey[i] > 0x7e {
			return false
		}
	}
	return true
}

// stateVersion is the version MarshalState writes. UnmarshalState reads
// it and version 1, which stored app keys themselves where version 2
// stores their keyed hash (owner.go): a version 1 state is read as it
// is, its app keys hashed on the way in, and written back as version 2.
const stateVersion = 2

// stateStore is the part of a Sandbox's settings and state that bounds
// and persistence need. Zero limits mean the defaults. The counters and
// orders are guarded by Sandbox.mu.
type stateStore struct {
	hook                func()
	perAppKey, total    int   // resource limits, per collection
	maxTokens, maxOAuth int   // token and OAuth session limits (tests lower them)
	maxBytes            int64 // the byte budget

	bytes      int64       // what the stored state costs the budget
	tokenOrder []string    // issued tokens, oldest first
	oauthOrder []uuid.UUID // OAuth sessions, oldest first
}

// WithStateHook makes the sandbox call fn after every request that
// changed what it stores: a configuration created or deleted, a token
// issued (with token checking on: otherwise tokens are not stored), an
// OAuth session created. fn runs outside the sandbox's lock, before the
// answer is sent, so a served sandbox that saves MarshalState in fn
// acknowledges only changes it has saved. It may run on several
// goroutines at once. Reset and UnmarshalState do not call it: their
// caller knows.
func WithStateHook(fn func()) Option {
	return func(s *Sandbox) { s.st.hook = fn }
}

// WithConfigurationLimits changes how many configurations (resources of
// each collection) the sandbox stores per app key and in total (by
// default DefaultMaxConfigurationsPerAppKey and DefaultMaxConfigurations).
// Values of zero or less keep the default.
//
// At a limit, a new configuration is refused rather than an old one
// evicted: an eviction would surface later as a 404 for a configuration
// the test created, far from the cause, while a refusal fails the create
// that went over, with the reason. The refusal is a 400 with reason code
// 10010, the only error answer besides 401 that the API documents for
// creating a configuration; its Details name the limit. Deleting
// configurations, or Reset, makes room again.
func WithConfigurationLimits(perAppKey, total int) Option {
	return func(s *Sandbox) {
		if perAppKey > 0 {
			s.st.perAppKey = perAppKey
		}
		if total > 0 {
			s.st.total = total
		}
	}
}

// WithMaxStateBytes sets the byte budget of the stored state (by default
// DefaultMaxStateBytes). Values of zero or less keep the default.
//
// Configurations, issued tokens (with token checking on) and OAuth
// sessions count against it. Past it, a configuration or OAuth URL create
// is refused with 400, reason 10010, Details naming the budget, and
// nothing stored is forgotten to make room. A token issue forgets the
// oldest tokens (as their count limit does) to fit, and is refused only
// when there are none. UnmarshalState refuses a state over the budget.
func WithMaxStateBytes(n int64) Option {
	return func(s *Sandbox) {
		if n > 0 {
			s.st.maxBytes = n
		}
	}
}

// StateBytes returns what the stored state costs the byte budget now.
func (s *Sandbox) StateBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.bytes
}

// MaxStateBytes returns the byte budget in force. MarshalState's output
// is never larger: a state file larger than it (plus a margin for
// formatting) was not written by a sandbox with this budget.
func (s *Sandbox) MaxStateBytes() int64 { return s.st.budget() }

func (st *stateStore) budget() int64 {
	if st.maxBytes > 0 {
		return st.maxBytes
	}
	return DefaultMaxStateBytes
}

// overBudget is the refusal of storing cost more bytes, or nil when they
// fit. The caller holds Sandbox.mu.
func (st *stateStore) overBudget(cost int64, what string) *apiError {
	if st.bytes+cost <= st.budget() {
		return nil
	}
	e := apiError{status: 400, reason: gen.ReasonInvalidField, description: "Storage budget of the sandbox reached.",
		details: fmt.Sprintf("Storing this would take the sandbox's state past its budget of %d bytes: delete some %s, or reset the sandbox.", st.budget(), what)}
	return &e
}

// limits returns the resource limits in force.
func (st *stateStore) limits() (perAppKey, total int) {
	perAppKey, total = DefaultMaxConfigurationsPerAppKey, DefaultMaxConfigurations
	if st.perAppKey > 0 {
		perAppKey = st.perAppKey
	}
	if st.total > 0 {
		total = st.total
	}
	return perAppKey, total
}

func (st *stateStore) tokenLimit() int {
	if st.maxTokens > 0 {
		return st.maxTokens
	}
	return maxTokens
}

func (st *stateStore) oauthLimit() int {
	if st.maxOAuth > 0 {
		return st.maxOAuth
	}
	return maxOAuthSessions
}

// changed calls the state hook, if any. The caller must not hold s.mu.
func (s *Sandbox) changed() {
	if s.st.hook != nil {
		s.st.hook()
	}
}

// Reset forgets everything the sandbox stores: the configurations of
// every app key, issued tokens and OAuth sessions. Settings (options
// given to New) stay. Requests in flight see either the old state or the
// empty one.
func (s *Sandbox) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, col := range s.colls {
		col.byAppKey, col.count = map[string]*partnerState{}, 0
	}
	s.tokens = map[string]tokenGrant{}
	s.oauth = map[uuid.UUID]string{}
	s.names = map[string]string{}
	s.st.bytes = 0
	s.st.tokenOrder = nil
	s.st.oauthOrder = nil
}

// The persisted form of a sandbox's state, version 2:
//
//	{"version":2,
//	 "appKeyHashKey":"<base64 of 32 random bytes>",
//	 "configurations":{"<owner>":[<Configuration>, ...]},  // creation order
//	 "tokens":[{"token":"...","appKeyHash":"<owner>","expires":"<RFC 3339>"}, ...],  // issue order
//	 "oauth":[{"id":"<uuid>","redirectURI":"..."}, ...]}  // creation order
//
// An owner is the HMAC-SHA256 of an app key under appKeyHashKey, in
// lower-case hexadecimal (64 characters): the file holds no app key, yet
// a request with the same app key finds what it stored. Version 1 was the
// same with the app keys themselves in place of owners ("appKey" in
// tokens) and no appKeyHashKey.
//
// "configurations" is the collection of that name in the spec's x-sandbox
// extensions; a spec with more collections has one such key for each, in
// name order. Each resource is the JSON object the sandbox stores, keys
// sorted. Settings (token checking, lifetime, limits, partner
// credentials) are not part of it: they belong to whoever makes the
// sandbox.
type tokenRecord struct {
	Token      string    `json:"token"`
	AppKeyHash string    `json:"appKeyHash"`
	Expires    time.Time `json:"expires"`
}

// tokenRecordV1 is a token of a version 1 state.
type tokenRecordV1 struct {
	Token   string    `json:"token"`
	AppKey  string    `json:"appKey"`
	Expires time.Time `json:"expires"`
}

type oauthRecord struct {
	ID          uuid.UUID `json:"id"`
	RedirectURI string    `json:"redirectURI"`
}

// MarshalState returns what the sandbox stores as versioned JSON, for
// UnmarshalState to restore: configurations per app key, the tokens it
// issued that it still remembers (with token checking on), and OAuth
// sessions. The output is deterministic for a given state, and never
// larger than the byte budget. It holds tokens, and the keyed hashes of
// app keys, never an app key: keep it where you would keep test tokens.
func (s *Sandbox) MarshalState() ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(s.StateBytes()) + 64)
	if err := s.WriteState(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteState writes what MarshalState returns to w, without holding it
// all in memory a second time: a served sandbox near its budget saves its
// state file with no copy of the state. The state is taken at once, under
// the sandbox's lock; the writing happens outside it.
func (s *Sandbox) WriteState(w io.Writer) error {
	type partner struct {
		key  string
		raws [][]byte
	}
	names := make([]string, 0, len(s.colls))
	for n := range s.colls {
		names = append(names, n)
	}
	sort.Strings(names)
	colls := make([][]partner, len(names))
	tokens, oauth := []tokenRecord{}, []oauthRecord{}
	s.mu.Lock()
	key := base64.StdEncoding.EncodeToString(s.ownerKey)
	// Resources are written outside the lock (storedLocked).
	for i, n := range names {
		for k, p := range s.colls[n].byAppKey {
			if len(p.order) > 0 {
				colls[i] = append(colls[i], partner{k, storedLocked(s.colls[n], k)})
			}
		}
	}
	for _, t := range s.st.tokenOrder {
		if g, ok := s.tokens[t]; ok {
			tokens = append(tokens, tokenRecord{Token: t, AppKeyHash: g.owner, Expires: g.expires})
		}
	}
	for _, id := range s.st.oauthOrder {
		if uri, ok := s.oauth[id]; ok {
			oauth = append(oauth, oauthRecord{ID: id, RedirectURI: uri})
		}
	}
	s.mu.Unlock()

	b := bufio.NewWriterSize(w, 64<<10)
	b.WriteString(`{"version":` + strconv.Itoa(stateVersion) + `,"appKeyHashKey":"` + key + `"`)
	for i, n := range names {
		slices.SortFunc(colls[i], func(x, y partner) int { return strings.Compare(x.key, y.key) })
		b.WriteString(`,"` + n + `":{`)
		for j, p := range colls[i] {
			if j > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, p.key); err != nil {
				return err
			}
			b.WriteString(":[")
			for k, raw := range p.raws {
				if k > 0 {
					b.WriteByte(',')
				}
				b.Write(raw)
			}
			b.WriteByte(']')
		}
		b.WriteByte('}')
	}
	for _, part := range []struct {
		name string
		v    any
	}{{"tokens", tokens}, {"oauth", oauth}} {
		b.WriteString(`,"` + part.name + `":`)
		if err := writeJSON(b, part.v); err != nil {
			return err
		}
	}
	b.WriteString("}\n")
	if err := b.Flush(); err != nil { // a bufio.Writer keeps the first write error
		return fmt.Errorf("sandbox: state: %w", err)
	}
	return nil
}

// writeJSON writes v to w as JSON without HTML escaping (a redirectURI's
// & stays one byte) and without a newline.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("sandbox: state: %w", err)
	}
	_, err := w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return err
}

// UnmarshalState replaces everything the sandbox stores with data, as
// written by MarshalState. It refuses, with an error naming what is wrong
// and changing nothing, data that is not JSON, of another version than 1
// or 2 (version 1 is read as it is: see the persisted form above),
// with unknown fields, with a resource that breaks its schema in the spec,
// with an entry missing a required value or duplicating another, or with
// more than the sandbox's limits or byte budget allow. Tokens that
// expired more than a day ago are dropped, as the sandbox would have
// forgotten them. Error messages never quote a token or an app key.
func (s *Sandbox) UnmarshalState(data []byte) error {
	if err := s.unmarshalState(data); err != nil {
		return fmt.Errorf("sandbox: state: %w", err)
	}
	return nil
}

func (s *Sandbox) unmarshalState(data []byte) error {
	parts, version, err := decodeState(data)
	if err != nil {
		return err
	}
	// owners: how the file names what each app key stores, and the key of
	// their hashes from now on.
	var key []byte
	var owners ownersIn
	if version == 1 {
		s.mu.Lock()
		key = s.ownerKey
		s.mu.Unlock()
		owners = ownersV1{key: key}
	} else {
		raw, ok := parts["appKeyHashKey"]
		var text string
		if !ok {
			return errors.New("appKeyHashKey missing")
		}
		if json.Unmarshal(raw, &text) != nil {
			return errors.New("appKeyHashKey is not a JSON string")
		}
		if key, err = base64.StdEncoding.DecodeString(text); err != nil || len(key) != ownerKeyBytes {
			return fmt.Errorf("appKeyHashKey is not %d bytes in base64", ownerKeyBytes)
		}
		owners = ownersV2{}
	}
	names := map[string]string{}
	perAppKey, total := s.st.limits()
	tokenLimit, oauthLimit := s.st.tokenLimit(), s.st.oauthLimit()
	now := s.now()

	keys := make([]string, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var records []tokenRecord
	var recordsV1 []tokenRecordV1
	var sessions []oauthRecord
	loaded := map[string]*collection{}
	var size int64
	for _, k := range keys {
		raw := parts[k]
		switch k {
		case "version":
		case "appKeyHashKey":
			if version == 1 {
				return fmt.Errorf("unknown field %q", k)
			}
		case "tokens":
			into := any(&records)
			if version == 1 {
				into = &recordsV1
			}
			if err := strictDecode(raw, into); err != nil {
				return problemIn(k, err)
			}
		case "oauth":
			if err := strictDecode(raw, &sessions); err != nil {
				return problemIn(k, err)
			}
		default:
			col := s.colls[k]
			if col == nil {
				return fmt.Errorf("unknown field %q", k)
			}
			c, cost, err := loadCollection(col, raw, perAppKey, total, owners, names)
			if err != nil {
				return err
			}
			loaded[k] = c
			size += cost
		}
	}

	for i, r := range recordsV1 {
		if r.AppKey == "" {
			return fmt.Errorf("tokens item %d: appKey missing", i)
		}
		records = append(records, tokenRecord{Token: r.Token, AppKeyHash: ownerWith(key, r.AppKey), Expires: r.Expires})
	}
	tokens := map[string]tokenGrant{}
	for i, r := range records {
		switch {
		case r.Token == "":
			return fmt.Errorf("tokens item %d: token missing", i)
		case r.AppKeyHash == "":
			return fmt.Errorf("tokens item %d: appKeyHash missing", i)
		case !validOwner(r.AppKeyHash):
			return fmt.Errorf("tokens item %d: appKeyHash is not %d lower-case hexadecimal characters", i, ownerLen)
		case r.Expires.IsZero():
			return fmt.Errorf("tokens item %d: expires missing", i)
		}
		if _, dup := tokens[r.Token]; dup {
			return fmt.Errorf("tokens item %d: duplicate token", i)
		}
		tokens[r.Token] = tokenGrant{owner: r.AppKeyHash, expires: r.Expires}
	}
	// Oldest first, as they were issued; forgotten ones dropped.
	sort.SliceStable(records, func(i, j int) bool { return records[i].Expires.Before(records[j].Expires) })
	tokenOrder := make([]string, 0, len(records))
	for _, r := range records {
		if now.After(r.Expires.Add(expiredTokenMemory)) {
			delete(tokens, r.Token)
			continue
		}
		tokenOrder = append(tokenOrder, r.Token)
		size += tokenCost(r.Token, r.AppKeyHash)
	}
	if len(tokenOrder) > tokenLimit {
		return fmt.Errorf("%d tokens, over the limit of %d", len(tokenOrder), tokenLimit)
	}

	oauth := map[uuid.UUID]string{}
	oauthOrder := make([]uuid.UUID, 0, len(sessions))
	for i, r := range sessions {
		switch {
		case r.ID == (uuid.UUID{}):
			return fmt.Errorf("oauth item %d: id missing", i)
		case r.RedirectURI == "":
			return fmt.Errorf("oauth item %d: redirectURI missing", i)
		}
		if _, dup := oauth[r.ID]; dup {
			return fmt.Errorf("oauth item %d: duplicate id %s", i, r.ID)
		}
		oauth[r.ID] = r.RedirectURI
		oauthOrder = append(oauthOrder, r.ID)
		size += sessionCost(r.RedirectURI)
	}
	if len(oauthOrder) > oauthLimit {
		return fmt.Errorf("%d OAuth sessions, over the limit of %d", len(oauthOrder), oauthLimit)
	}
	if budget := s.st.budget(); size > budget {
		return fmt.Errorf("%d bytes of state, over the sandbox's budget of %d bytes", size, budget)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for name, col := range s.colls {
		col.byAppKey, col.count = map[string]*partnerState{}, 0
		if c := loaded[name]; c != nil {
			col.byAppKey, col.count = c.byAppKey, c.count
		}
	}
	s.tokens, s.oauth = tokens, oauth
	s.st.bytes, s.st.tokenOrder, s.st.oauthOrder = size, tokenOrder, oauthOrder
	s.ownerKey, s.names = key, names
	return nil
}

// ownersIn reads the keys of a collection in a state file: app keys
// (version 1) or their keyed hashes (version 2).
type ownersIn interface {
	// owner returns the owner that k names, and the app key when k is
	// one; problem says what is wrong with k ("" when nothing is).
	owner(k string) (owner, appKey, problem string)
}

type ownersV1 struct{ key []byte }

func (o ownersV1) owner(k string) (string, string, string) {
	switch {
	case k == "":
		return "", "", "the app key is empty"
	case !validAppKey(k):
		return "", "", fmt.Sprintf("the app key is longer than %d bytes or not visible ASCII", MaxAppKeyBytes)
	}
	return ownerWith(o.key, k), k, ""
}

type ownersV2 struct{}

func (ownersV2) owner(k string) (string, string, string) {
	if !validOwner(k) {
		return "", "", fmt.Sprintf("the app key's hash is not %d lower-case hexadecimal characters", ownerLen)
	}
	return k, "", ""
}

// loadCollection checks the resources of col in raw and returns them as a
// collection holding only state, with their cost to the budget.
func loadCollection(col *collection, raw json.RawMessage, perAppKey, total int, owners ownersIn, names map[string]string) (*collection, int64, error) {
	var byKey map[string][]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // an int64 property survives
	if err := dec.Decode(&byKey); err != nil {
		return nil, 0, problemIn(col.name, err)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &collection{byAppKey: map[string]*partnerState{}}
	var size int64
	declared := col.props
	opts := spec.FormatOptions()
	for i, k := range keys {
		list := byKey[k]
		// App keys are credentials: they are named by their rank, never
		// quoted.
		where := fmt.Sprintf("%s of app key #%d (in sorted order)", col.name, i+1)
		owner, appKey, problem := owners.owner(k)
		switch {
		case problem != "":
			return nil, 0, fmt.Errorf("%s: %s", where, problem)
		case len(list) > perAppKey:
			return nil, 0, fmt.Errorf("%s: %d %s, over the limit of %d per app key", where, len(list), col.name, perAppKey)
		case len(list) == 0:
			continue
		}
		p := &partnerState{items: make(map[string][]byte, len(list)), order: make([]string, 0, len(list))}
		for j, item := range list {
			at := func() string { return fmt.Sprintf("%s, item %d", where, j) } // only on failure: a load checks thousands
			obj, ok := item.(map[string]any)
			if !ok {
				return nil, 0, fmt.Errorf("%s: not a JSON object", at())
			}
			for name := range obj {
				if _, ok := declared[name]; !ok {
					return nil, 0, fmt.Errorf("%s: unknown field %q", at(), firstUndeclared(obj, declared))
				}
			}
			idv, ok := obj[col.idProp]
			if !ok {
				return nil, 0, fmt.Errorf("%s: %s missing", at(), col.idProp)
			}
			if err := col.item.Value.VisitJSON(obj, opts...); err != nil {
				return nil, 0, fmt.Errorf("%s: %s", at(), SchemaProblem(err))
			}
			id, _ := idv.(string)
			id, ok = col.key(id)
			if !ok {
				return nil, 0, fmt.Errorf("%s: %s is not a valid id", at(), col.idProp)
			}
			if _, dup := p.items[id]; dup {
				return nil, 0, fmt.Errorf("%s: duplicate %s %s", at(), col.idProp, id)
			}
			obj[col.idProp] = id
			stored, err := json.Marshal(obj)
			if err != nil {
				return nil, 0, fmt.Errorf("%s: not a JSON object", at())
			}
			p.items[id] = stored
			p.order = append(p.order, id)
			size += resourceCost(id, stored)
		}
		out.byAppKey[owner] = p
		if appKey != "" {
			names[owner] = appKey
		}
		out.count += len(list)
		size += partnerCost(owner)
	}
	if out.count > total {
		return nil, 0, fmt.Errorf("%d %s, over the limit of %d in total", out.count, col.name, total)
	}
	return out, size, nil
}

// firstUndeclared returns, in sorted order, the first property of obj
// that declared does not have.
func firstUndeclared(obj map[string]any, declared openapi3.Schemas) string {
	var names []string
	for k := range obj {
		if _, ok := declared[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names[0]
}

// decodeState parses data as one JSON object of version 1 or 2, with
// nothing after it, and returns its members and its version.
func decodeState(data []byte) (map[string]json.RawMessage, int, error) {
	var parts map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&parts); err != nil {
		return nil, 0, fmt.Errorf("not a JSON object: %s", jsonProblem(err))
	}
	if dec.More() {
		return nil, 0, errors.New("data after the JSON object")
	}
	if parts == nil {
		return nil, 0, errors.New("not a JSON object: a JSON null")
	}
	version, ok := parts["version"]
	if !ok {
		return nil, 0, errors.New("version missing")
	}
	var v int
	if err := json.Unmarshal(version, &v); err != nil || v < 1 || v > stateVersion {
		shown := bytes.TrimSpace(version)
		if len(shown) > 20 {
			shown = append(shown[:20:20], "..."...)
		}
		return nil, 0, fmt.Errorf("unsupported version %s (this build reads versions 1 and 2)", shown)
	}
	return parts, v, nil
}

// strictDecode decodes raw into v, refusing unknown fields.
func strictDecode(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// problemIn is jsonProblem for the member name of the state.
func problemIn(name string, err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" {
			return fmt.Errorf("%s: a JSON %s where %s was expected", name, typ.Value, JSONKind(typ.Type))
		}
		return fmt.Errorf("%s.%s: a JSON %s where %s was expected", name, typ.Field, typ.Value, JSONKind(typ.Type))
	}
	return errors.New(jsonProblem(err))
}

// jsonProblem describes a decoding error without quoting the data: a
// time or UUID parse error would echo the value, and the value might be a
// token.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tim *time.ParseError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return "a JSON " + typ.Value
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: a JSON %s where %s was expected", typ.Field, typ.Value, JSONKind(typ.Type))
	case errors.As(err, &tim):
		return "a token's expires is not an RFC 3339 date-time"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "empty or cut short"
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + rest
	}
	// The uuid package's errors name the problem, never the value.
	if strings.HasPrefix(msg, "invalid UUID") {
		return "an id is not a UUID (" + msg + ")"
	}
	return "a value does not decode"
}
