// Package sandbox is a stateful, in-memory stand-in for the Data Connect
// Components API, built from the embedded openapi.yaml (or from any other
// OpenAPI document: WithModel, WithDocument).
//
// A *Sandbox is an http.Handler: mount it in httptest.NewServer for tests,
// serve it with net/http (finicity-connect sandbox does), or call it with
// no network at all through HTTPClient. Every request is validated against
// the spec before it is handled, so a client that the sandbox accepts sends
// what the real API expects.
//
// What it does for each operation is read from the spec model
// (internal/spec), as the operation's x-sandbox extension declares it
// (engine.go): create, list, get or delete on a named collection of
// resources, or one of a few named handlers (token, loginForm, oauthURL,
// reconnection). Resources are stored as the request's JSON, so a field
// added to the spec is stored and returned with no code change; every
// success answer is built from its response schema and validated before
// it is sent; an operation without x-sandbox answers its documented
// example, else a value built from its schema, and every error comes in
// the shape its operation documents. Requests are routed exactly
// (spec.Model.Find). Stored state is bounded by a byte budget
// (DefaultMaxStateBytes, WithMaxStateBytes) and app keys and ids by
// length (MaxAppKeyBytes, MaxIDBytes).
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

// Header names, as sent on the wire.
const (
	headerAppKey   = "Finicity-App-Key"
	headerAppToken = "Finicity-App-Token"
)

// Sandbox serves every operation of openapi.yaml from memory. It is safe
// for concurrent use. The zero value is not usable: call New.
type Sandbox struct {
	// Settings, fixed once New returns.
	checkTokens     bool
	tokenLifetime   time.Duration
	partners        map[string]string // partnerId -> partnerSecret
	customPartners  bool
	maxBody         int64
	now             func() time.Time
	reportViolation func(error)
	publicURL       string
	doc             *openapi3.T // WithDocument; nil otherwise
	model           *spec.Model // the spec served: WithModel's, WithDocument's or the embedded one
	validator       *validation.Validator
	hook            func(Inbound)                  // WithRequestHook; nil when none
	strict          bool                           // WithStrict
	answers         func(Inbound) *Answer          // WithAnswers; nil when none
	ops             map[*spec.Operation]*operation // what each operation does (engine.go)
	problems        []error                        // x-sandbox behaviours the sandbox has no code for
	errorShape      *openapi3.SchemaRef            // the error shape of answers to no operation

	// Scripted answers (faults.go), guarded by their own mutex so a
	// delayed answer never holds up the state.
	script scripts

	// State, guarded by mu. One mutex is enough: every critical section is
	// a few map operations, and a sandbox never sees production load.
	mu     sync.Mutex
	colls  map[string]*collection // resources by collection name, scoped per owner (resources.go)
	tokens map[string]tokenGrant  // issued tokens
	oauth  map[uuid.UUID]string   // OAuth session id -> redirectURI
	st     stateStore             // bounds, byte budget, eviction order, state hook (state.go)
	// ownerKey is the HMAC key of owners: what the sandbox stores is
	// scoped by a keyed hash of the app key (owner), never the key
	// itself, so that the state file holds no app key. It is random for
	// a new sandbox, and the state file's when one is loaded.
	ownerKey []byte
	// names maps an owner to the app key of the requests seen for it
	// (AppKeys): in memory only, never in the state file.
	names map[string]string
}

// New returns a Sandbox with no configurations, accepting the sandbox
// partner credentials and, unless WithTokenCheck(true), any token. It
// serves the embedded spec unless WithModel or WithDocument gives
// another; it panics on a document that does not model (spec.New), as
// `make generate` refuses one.
func New(opts ...Option) *Sandbox {
	s := &Sandbox{
		tokenLifetime: DefaultTokenLifetime,
		partners:      map[string]string{DefaultPartnerID: DefaultPartnerSecret},
		maxBody:       DefaultMaxBodyBytes,
		now:           time.Now,
		tokens:        map[string]tokenGrant{},
		oauth:         map[uuid.UUID]string{},
		ownerKey:      newOwnerKey(),
		names:         map[string]string{},
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	if s.model == nil && s.doc != nil {
		m, err := spec.New("openapi.yaml", s.doc)
		if err != nil {
			panic("sandbox: WithDocument: " + err.Error())
		}
		s.model = m
	}
	if s.model == nil {
		s.model, s.validator = specdoc.MustModel(), specdoc.MustValidator()
	} else {
		v, err := validation.NewFromModel(s.model)
		if err != nil {
			panic("sandbox: " + err.Error())
		}
		s.validator = v
	}
	s.ops, s.colls, s.problems = compile(s.model, s.validator)
	s.errorShape = commonErrorShape(s.model)
	for so, o := range s.ops {
		if so.ErrorSchema() == nil {
			o.errorShape = s.nearestErrorShape(so, so.Path)
		}
	}
	return s
}

// WithDocument makes the sandbox serve doc instead of the embedded spec:
// its routes, validation and behaviours. Tests use it on a changed copy
// of openapi.yaml to show that a spec change reaches the sandbox with no
// code change. doc must not be modified afterwards.
func WithDocument(doc *openapi3.T) Option {
	return func(s *Sandbox) { s.doc, s.model = doc, nil }
}

// WithModel makes the sandbox serve the spec m models (spec.Load,
// spec.Parse) instead of the embedded one: any OpenAPI document, with or
// without x- extensions.
func WithModel(m *spec.Model) Option {
	return func(s *Sandbox) { s.model, s.doc = m, nil }
}

// response is what an operation answers: a status, and a body.
type response struct {
	status      int
	body        any         // marshalled to JSON, unless raw is set
	built       bool        // body is the finished JSON value already (an example, a synthesized value)
	fallback    bool        // body is an example: a value built from the schema replaces it if refused
	raw         []byte      // body as sent, once finished (or a binary body)
	contentType string      // of raw
	header      http.Header // documented headers of the answer
	err         *apiError   // an error answer: its body is written in the operation's shape (errorBody)
	checked     bool        // validated against the spec already (finish)
}

// call is a request that passed routing, authentication and validation.
type call struct {
	*http.Request
	op     *operation
	appKey string
	owner  string            // the keyed hash of appKey that scopes what it stores
	params map[string]string // path parameters by name
	body   []byte
}

// ServeHTTP answers one request. It never panics on malformed input: a
// panic in a handler would be a sandbox bug, and is turned into a 500 so a
// test sees it instead of a dropped connection.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler { // a scripted reset, on a server that cannot hijack
				panic(p)
			}
			http.Error(w, fmt.Sprintf("sandbox bug: %v", p), http.StatusInternalServerError)
		}
	}()
	if id, ok := oauthSessionID(r.URL.Path); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.inspect(Inbound{Request: r})
		s.serveOAuthSession(w, r, id)
		return
	}
	o, params, err := s.route(r)
	if err != nil {
		f := s.validator.Unrouted(r.Method, r.URL.EscapedPath(), err, validation.Request, 0)
		in := Inbound{Request: r, Findings: []validation.Finding{f}, Violation: &validation.Error{Findings: []validation.Finding{f}}}
		s.inspect(in)
		if !s.answered(w, in) {
			s.write(w, r, nil, false, unroutable(r, err))
		}
		return
	}
	// The body is read once, capped, and only for operations that take
	// one: whatever comes with the others is ignored unread, however large
	// (their documented statuses have no place for a "too large" error;
	// the checker sees from the request's length that one came). It is
	// read and checked before the credentials are, so the request hook
	// sees every request whole; the answer still puts the credentials
	// first (handle).
	var body []byte
	var readErr error
	if o.spec.Body != nil {
		body, readErr = readCapped(r.Body, s.maxBody)
	}
	var findings []validation.Finding
	if readErr == nil {
		findings = s.validator.CheckRoutedRequest(r.Context(), o.route, params, r, body)
	}
	violation := readErr
	if violation == nil {
		violation = s.refusal(findings)
	}
	in := Inbound{Request: r, Route: o.route, Body: body, Findings: findings, Violation: violation}
	s.inspect(in)
	if f, ok := s.script.next(o.spec.ID); ok {
		s.fault(w, r, o, f, func() response { return s.handle(r, o, params, body, readErr, violation) })
		return
	}
	if s.answered(w, in) {
		return
	}
	s.write(w, r, o, true, s.handle(r, o, params, body, readErr, violation))
}

// refusal is the finding the sandbox refuses a request for, as an error:
// the first the API itself refuses (validation.Finding.Refused), or, in
// strict mode (WithStrict), the first of all; nil when it answers the
// request as valid.
func (s *Sandbox) refusal(findings []validation.Finding) error {
	for _, f := range findings {
		if f.Refused() || s.strict {
			return &validation.Error{Findings: []validation.Finding{f}}
		}
	}
	return nil
}

// route finds the operation of r and its path parameters with the spec
// model's exact router (spec.Model.Find): the same number of segments,
// literals before parameters, so /x/connect-components/configurations is
// not an alias of /connect-components/configurations and a trailing
// slash is not a route. It splits the escaped path, so that an encoded
// "/" inside a parameter (customer_id a%2Fb) stays in its segment and is
// unescaped with it ("a/b").
func (s *Sandbox) route(r *http.Request) (*operation, map[string]string, error) {
	op, params, err := s.model.Find(r.Method, r.URL.EscapedPath())
	if err != nil {
		return nil, nil, err
	}
	return s.ops[op], params, nil
}

// handle runs the checks every operation shares, in the order a client
// can act on them: credentials first, then the body, then the operation.
// readErr is the failure to read the body, violation the first way the
// request breaks the spec (readErr included); both nil for a valid one.
func (s *Sandbox) handle(r *http.Request, o *operation, params map[string]string, body []byte, readErr, violation error) response {
	appKey := r.Header.Get(headerAppKey)
	switch {
	case o.spec.Requires(headerAppKey) && appKey == "":
		return missingAppKey().response()
	case o.spec.Requires(headerAppKey) && !validAppKey(appKey):
		return invalidAppKey().response()
	case !validAppKey(appKey):
		appKey = "" // not a credential of this operation: resources it stores are everyone's
	}
	owner := s.ownerOf(appKey)
	if o.spec.Requires(headerAppToken) {
		if e, ok := s.checkToken(owner, r.Header.Get(headerAppToken)); !ok {
			return e.response()
		}
	}
	if readErr != nil {
		return invalidField(readErr.Error()).response()
	}
	if violation != nil {
		return s.rejected(o, violation).response()
	}
	if o.broken != nil {
		return sandboxDefect(o, o.broken.Error())
	}
	if e, ok := tooLongID(o, params, body); !ok {
		return e.response()
	}
	c := &call{Request: r, op: o, appKey: appKey, owner: owner, params: params, body: body}
	s.learnName(owner, appKey)
	if fail := s.checkRefs(c); fail != nil {
		return *fail
	}
	if o.run == nil {
		return s.finish(c, s.answerDocumented(c))
	}
	return s.finish(c, o.run(s, c))
}

// readCapped reads at most limit bytes, and fails with a message naming
// the limit when there are more: a client sending a huge body learns why.
func readCapped(body io.Reader, limit int64) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("body: could not be read")
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("body: larger than the sandbox limit of %d bytes", limit)
	}
	return b, nil
}

// rejected maps a refusal (Sandbox.refusal) to the documented error
// answer. A finding names the field and never a value. In strict mode a
// finding the API would ignore is refused with 400 and reason 10010,
// naming it, whatever the operation documents.
func (s *Sandbox) rejected(o *operation, err error) apiError {
	var ve *validation.Error
	if !errors.As(err, &ve) || len(ve.Findings) == 0 {
		return invalidField("request: could not be validated")
	}
	f := ve.Findings[0]
	switch {
	case !f.Refused():
		return invalidField(f.Detail())
	case f.Kind == validation.KindCredentials && strings.EqualFold(f.Field, headerAppKey):
		return missingAppKey()
	case f.Kind == validation.KindCredentials && (strings.EqualFold(f.Field, headerAppToken) || f.Field == ""):
		return invalidToken("The Finicity-App-Token header is required.")
	case f.Kind == validation.KindCredentials:
		// Another spec's credential: 401, or the closest status the
		// operation documents (an answer keeps to the spec).
		e := missingCredential(f.Field)
		for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest, http.StatusNotFound} {
			if documents(o, status) {
				e.status = status
				break
			}
		}
		return e
	case documents(o, http.StatusBadRequest):
		return invalidField(f.Detail())
	}
	// Get and delete by id document no 400: the only thing that can be
	// wrong with them is the id itself, and no entity has a malformed id.
	return notFound(f.Detail())
}

// documents reports whether the operation documents status (exactly, by
// its range, or by a default answer).
func documents(o *operation, status int) bool {
	return o.spec.Response(status) != nil
}

// unroutable answers a method or path that is not in the spec. The error
// body is in the spec's error shape, so clients decode it like any other
// error.
func unroutable(r *http.Request, err error) response {
	if errors.Is(err, spec.ErrMethodNotAllowed) {
		return apiError{status: http.StatusMethodNotAllowed, reason: gen.ReasonNotFound,
			description: "Method not allowed.", details: "No operation for method " + r.Method + " on this path."}.response()
	}
	return notFound("No operation for this path.").response()
}

// write sends resp, an error answer in the shape o documents for it (o
// nil: the spec's usual shape), validating it against the spec first when
// validate is true and WithResponseValidation asked for it. Answers to
// paths outside the spec, and scripted statuses, are not validated: they
// have nothing to be validated against.
func (s *Sandbox) write(w http.ResponseWriter, r *http.Request, o *operation, validate bool, resp response) {
	out, contentType := resp.raw, resp.contentType
	switch {
	case resp.err != nil:
		var so *spec.Operation
		if o != nil {
			so = o.spec
		}
		out, contentType = s.errorBody(so, r.URL.EscapedPath(), resp.err)
	case out == nil && resp.body != nil:
		var err error
		out, err = json.Marshal(resp.body)
		if err != nil {
			http.Error(w, "sandbox bug: response does not marshal", http.StatusInternalServerError)
			return
		}
		contentType = "application/json"
	}
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if out != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		w.Header().Set("Content-Type", contentType)
	}
	if validate && o != nil && s.reportViolation != nil && !resp.checked {
		if err := s.validator.ValidateRouteResponse(context.WithoutCancel(r.Context()), o.route, r, resp.status, w.Header(), out); err != nil {
			s.reportViolation(fmt.Errorf("sandbox: %d answer to %s violates the spec: %w", resp.status, o.spec.ID, err))
		}
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}

// newID returns a random (version 4) UUID.
func newID() uuid.UUID { return uuid.New() }
