package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
)

// Bounds on what a sandbox stores, so that a long-running sandbox (a
// served one, or one shared by a whole test suite) keeps a bounded heap
// whatever its clients send.
const (
	// DefaultMaxConfigurationsPerAppKey bounds the configurations one app
	// key stores. A real partner keeps a handful; a thousand leaves room
	// for any test suite, while a test that leaks one configuration per
	// run reaches it soon enough to be noticed.
	DefaultMaxConfigurationsPerAppKey = 1000
	// DefaultMaxConfigurations bounds the configurations stored for all
	// app keys together: at about 250 bytes of live heap each
	// (BenchmarkCreateFlood measures it), 100 000 keep a sandbox's state
	// within a few tens of megabytes however many app keys its clients
	// make up, yet let a hundred test suites share one served sandbox.
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

// stateVersion is the version MarshalState writes and the only one
// UnmarshalState reads.
const stateVersion = 1

// stateStore is the part of a Sandbox's settings and state that bounds
// and persistence need. Zero limits mean the defaults. The counters and
// orders are guarded by Sandbox.mu.
type stateStore struct {
	hook                func()
	perAppKey, total    int // configuration limits
	maxTokens, maxOAuth int // token and OAuth session limits (tests lower them)

	configurations int         // stored, all app keys together
	tokenOrder     []string    // issued tokens, oldest first
	oauthOrder     []uuid.UUID // OAuth sessions, oldest first
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

// WithConfigurationLimits changes how many configurations the sandbox
// stores per app key and in total (by default
// DefaultMaxConfigurationsPerAppKey and DefaultMaxConfigurations).
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

// limits returns the configuration limits in force.
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

// limitReached is the answer to a create over a configuration limit.
func limitReached(details string) apiError {
	return apiError{status: 400, reason: ReasonInvalidField,
		description: "Configuration limit of the sandbox reached.", details: details}
}

// Reset forgets everything the sandbox stores: the configurations of
// every app key, issued tokens and OAuth sessions. Settings (options
// given to New) stay. Requests in flight see either the old state or the
// empty one.
func (s *Sandbox) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byAppKey = map[string]*partnerState{}
	s.tokens = map[string]tokenGrant{}
	s.oauth = map[uuid.UUID]string{}
	s.st.configurations = 0
	s.st.tokenOrder = nil
	s.st.oauthOrder = nil
}

// AppKeys returns, sorted, the app keys that own at least one
// configuration.
func (s *Sandbox) AppKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.byAppKey))
	for k, p := range s.byAppKey {
		if len(p.order) > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Configurations returns the configurations appKey owns, in creation
// order: copies, so changing them changes nothing in the sandbox. It is
// empty, never nil, for an app key with none.
func (s *Sandbox) Configurations(appKey string) []gen.Configuration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []gen.Configuration{}
	if p := s.byAppKey[appKey]; p != nil {
		for _, id := range p.order {
			out = append(out, cloneConfiguration(p.configs[id]))
		}
	}
	return out
}

func cloneConfiguration(c gen.Configuration) gen.Configuration {
	c.FilterAccounts = slices.Clone(c.FilterAccounts)
	c.AccountClassificationType = slices.Clone(c.AccountClassificationType)
	return c
}

// stateFile is the persisted form of a sandbox's state, version 1:
//
//	{"version":1,
//	 "configurations":{"<app key>":[<Configuration>, ...]},  // creation order
//	 "tokens":[{"token":"...","appKey":"...","expires":"<RFC 3339>"}, ...],  // issue order
//	 "oauth":[{"id":"<uuid>","redirectURI":"..."}, ...]}  // creation order
//
// Settings (token checking, lifetime, limits, partner credentials) are
// not part of it: they belong to whoever makes the sandbox.
type stateFile struct {
	Version        int                            `json:"version"`
	Configurations map[string][]gen.Configuration `json:"configurations"`
	Tokens         []tokenRecord                  `json:"tokens"`
	OAuth          []oauthRecord                  `json:"oauth"`
}

type tokenRecord struct {
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
// sessions. The output is deterministic for a given state. It holds
// tokens and app keys: keep it where you would keep test credentials.
func (s *Sandbox) MarshalState() ([]byte, error) {
	f := stateFile{Version: stateVersion, Configurations: map[string][]gen.Configuration{},
		Tokens: []tokenRecord{}, OAuth: []oauthRecord{}}
	s.mu.Lock()
	// Stored configurations are never modified in place, so the copies of
	// their slices can be shared until marshalled, outside the lock.
	for k, p := range s.byAppKey {
		if len(p.order) == 0 {
			continue
		}
		list := make([]gen.Configuration, 0, len(p.order))
		for _, id := range p.order {
			list = append(list, p.configs[id])
		}
		f.Configurations[k] = list
	}
	for _, t := range s.st.tokenOrder {
		if g, ok := s.tokens[t]; ok {
			f.Tokens = append(f.Tokens, tokenRecord{Token: t, AppKey: g.appKey, Expires: g.expires})
		}
	}
	for _, id := range s.st.oauthOrder {
		if uri, ok := s.oauth[id]; ok {
			f.OAuth = append(f.OAuth, oauthRecord{ID: id, RedirectURI: uri})
		}
	}
	s.mu.Unlock()
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("sandbox: state: %w", err)
	}
	return append(b, '\n'), nil
}

// UnmarshalState replaces everything the sandbox stores with data, as
// written by MarshalState. It refuses, with an error naming what is wrong
// and changing nothing, data that is not JSON, of another version than 1,
// with unknown fields, with an entry missing a required value or
// duplicating another, or with more configurations than the sandbox's
// limits allow. Tokens that expired more than a day ago are dropped, as
// the sandbox would have forgotten them. Error messages never quote a
// token or an app key.
func (s *Sandbox) UnmarshalState(data []byte) error {
	f, err := decodeState(data)
	if err != nil {
		return fmt.Errorf("sandbox: state: %w", err)
	}
	s.mu.Lock()
	perAppKey, total := s.st.limits()
	tokenLimit, oauthLimit := s.st.tokenLimit(), s.st.oauthLimit()
	s.mu.Unlock()
	now := s.now()

	byAppKey := map[string]*partnerState{}
	count := 0
	keys := make([]string, 0, len(f.Configurations))
	for k := range f.Configurations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		list := f.Configurations[k]
		// App keys are credentials: they are named by their rank, never
		// quoted.
		where := fmt.Sprintf("configurations of app key #%d (in sorted order)", i+1)
		if k == "" {
			return fmt.Errorf("sandbox: state: %s: the app key is empty", where)
		}
		if len(list) > perAppKey {
			return fmt.Errorf("sandbox: state: %s: %d configurations, over the limit of %d per app key", where, len(list), perAppKey)
		}
		if len(list) == 0 {
			continue
		}
		p := &partnerState{configs: make(map[uuid.UUID]gen.Configuration, len(list)), order: make([]uuid.UUID, 0, len(list))}
		for j, c := range list {
			if c.ID == (uuid.UUID{}) {
				return fmt.Errorf("sandbox: state: %s, item %d: id missing", where, j)
			}
			if _, dup := p.configs[c.ID]; dup {
				return fmt.Errorf("sandbox: state: %s, item %d: duplicate id %s", where, j, c.ID)
			}
			p.configs[c.ID] = c
			p.order = append(p.order, c.ID)
		}
		byAppKey[k] = p
		count += len(list)
	}
	if count > total {
		return fmt.Errorf("sandbox: state: %d configurations, over the limit of %d in total", count, total)
	}

	tokens := map[string]tokenGrant{}
	records := slices.Clone(f.Tokens)
	for i, r := range records {
		switch {
		case r.Token == "":
			return fmt.Errorf("sandbox: state: tokens item %d: token missing", i)
		case r.AppKey == "":
			return fmt.Errorf("sandbox: state: tokens item %d: appKey missing", i)
		case r.Expires.IsZero():
			return fmt.Errorf("sandbox: state: tokens item %d: expires missing", i)
		}
		if _, dup := tokens[r.Token]; dup {
			return fmt.Errorf("sandbox: state: tokens item %d: duplicate token", i)
		}
		tokens[r.Token] = tokenGrant{appKey: r.AppKey, expires: r.Expires}
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
	}
	if len(tokenOrder) > tokenLimit {
		return fmt.Errorf("sandbox: state: %d tokens, over the limit of %d", len(tokenOrder), tokenLimit)
	}

	oauth := map[uuid.UUID]string{}
	oauthOrder := make([]uuid.UUID, 0, len(f.OAuth))
	for i, r := range f.OAuth {
		switch {
		case r.ID == (uuid.UUID{}):
			return fmt.Errorf("sandbox: state: oauth item %d: id missing", i)
		case r.RedirectURI == "":
			return fmt.Errorf("sandbox: state: oauth item %d: redirectURI missing", i)
		}
		if _, dup := oauth[r.ID]; dup {
			return fmt.Errorf("sandbox: state: oauth item %d: duplicate id %s", i, r.ID)
		}
		oauth[r.ID] = r.RedirectURI
		oauthOrder = append(oauthOrder, r.ID)
	}
	if len(oauthOrder) > oauthLimit {
		return fmt.Errorf("sandbox: state: %d OAuth sessions, over the limit of %d", len(oauthOrder), oauthLimit)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.byAppKey, s.tokens, s.oauth = byAppKey, tokens, oauth
	s.st.configurations, s.st.tokenOrder, s.st.oauthOrder = count, tokenOrder, oauthOrder
	return nil
}

// decodeState parses data strictly: one JSON object, version 1, no
// unknown field, nothing after it.
func decodeState(data []byte) (*stateFile, error) {
	var head struct {
		Version *json.RawMessage `json:"version"`
	}
	first := json.NewDecoder(bytes.NewReader(data))
	if err := first.Decode(&head); err != nil {
		return nil, fmt.Errorf("not a JSON object: %s", jsonProblem(err))
	}
	if first.More() {
		return nil, errors.New("data after the JSON object")
	}
	if head.Version == nil {
		return nil, errors.New("version missing")
	}
	var v int
	if err := json.Unmarshal(*head.Version, &v); err != nil || v != stateVersion {
		shown := bytes.TrimSpace(*head.Version)
		if len(shown) > 20 {
			shown = append(shown[:20:20], "..."...)
		}
		return nil, fmt.Errorf("unsupported version %s (this build reads version %d)", shown, stateVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f stateFile
	if err := dec.Decode(&f); err != nil {
		return nil, errors.New(jsonProblem(err))
	}
	return &f, nil
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
		return fmt.Sprintf("%s: a JSON %s where %s was expected", typ.Field, typ.Value, expected(typ.Type))
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

// expected names what a JSON value should have been, in JSON's words
// rather than Go's.
func expected(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "an RFC 3339 date-time string"
	case t == reflect.TypeFor[uuid.UUID]():
		return "a UUID string"
	}
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return t.String()
}
