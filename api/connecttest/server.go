package connecttest

import (
	"bufio"
	"cmp"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	apiconfig "github.com/finicity-go/connect-components/internal/config"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// Server is a stateful, in-memory stand-in for the Data Connect Components
// API, for one test. Make it with NewServer. It is safe for concurrent
// use.
type Server struct {
	t      testing.TB
	cfg    config
	sb     *sandbox.Sandbox
	replay *replay // WithRecording's answers; nil without

	mu       sync.Mutex
	requests []*Request
	served   *httptest.Server   // started by the first call of URL
	stop     context.CancelFunc // ends the served requests' contexts
	closed   bool

	observed func() // called after each request is recorded; tests of this package only
}

// NewServer returns a server for the test t, closed when the test ends
// (t.Cleanup). Every request it receives is checked against the API's
// spec: one that does not match fails t (see Requests), unless
// AllowInvalidRequests.
//
// It listens on no socket until URL is first called: clients from Client
// talk to it in process.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t}
	for _, opt := range opts {
		if opt != nil {
			opt(&s.cfg)
		}
	}
	if s.cfg.partnerID == "" {
		s.cfg.partnerID, s.cfg.partnerSecret = PartnerID, PartnerSecret
	}
	sbOpts := append(s.cfg.sandbox, sandbox.WithRequestHook(s.observe))
	if s.cfg.recording != "" {
		r, err := loadReplay(s.cfg.recording)
		if err != nil {
			t.Fatalf("connecttest: WithRecording(%q): %v", s.cfg.recording, err)
			return nil
		}
		s.replay = r
		sbOpts = append(sbOpts, sandbox.WithAnswers(s.replayed))
	}
	s.sb = sandbox.New(sbOpts...)
	t.Cleanup(s.Close)
	return s
}

// URL returns the base URL of the server on 127.0.0.1, for a client in
// another process or one made by hand (api.WithBaseURL(srv.URL())). The
// listener starts on the first call, and stops with Close.
//
// A listener cannot live inside a testing/synctest bubble (a goroutine
// waiting on the network keeps the bubble's clock from moving): there,
// use Client, which needs none.
func (s *Server) URL() string {
	return s.listener().URL
}

func (s *Server) listener() *httptest.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		panic("connecttest: URL or ServedClient called on a closed Server")
	}
	if s.served == nil {
		// Served requests' contexts end with Close, so a scripted delay
		// still waiting does not hold Close up (httptest.Server.Close
		// waits for every request in flight).
		ctx, stop := context.WithCancel(context.Background())
		srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
		srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
		srv.Start()
		s.served, s.stop = srv, stop
	}
	return s.served
}

// Close stops the listener, if URL started one. Requests that arrive
// afterwards are answered (in process) but no longer checked, since the
// test may be over. NewServer registers Close with t.Cleanup; calling it
// again does nothing.
func (s *Server) Close() {
	s.mu.Lock()
	srv, stop := s.served, s.stop
	s.served, s.stop, s.closed = nil, nil, true
	s.mu.Unlock()
	if srv != nil {
		stop()
		srv.Close()
	}
}

// HTTPClient returns an *http.Client that hands every request to the
// server in process: no socket, no port. Use it with InProcessURL for code
// that builds its own api.Client:
//
//	c, err := api.NewClient(appKey, api.WithPartnerCredentials(id, secret),
//		api.WithBaseURL(connecttest.InProcessURL), api.WithHTTPClient(srv.HTTPClient()))
//
// It does not follow redirects, so fetching an OAuth URL returns the
// redirect to the partner's redirectURI.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{
		Transport:     s.Transport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Transport returns the http.RoundTripper of HTTPClient: it hands every
// request to the server in process. Use it under an *http.Client of your
// own.
func (s *Server) Transport() http.RoundTripper { return recording{s: s, next: s.sb.Transport()} }

// recording is the in-process transport: the sandbox's, with the status
// of each answer recorded beside its request.
type recording struct {
	s    *Server
	next http.RoundTripper
}

func (t recording) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, sl := withSlot(req.Context())
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err == nil {
		t.s.answered(sl, resp.StatusCode)
	}
	return resp, err
}

// serve is the served handler: the sandbox, with the status of each
// answer recorded beside its request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	ctx, sl := withSlot(r.Context())
	sw := &statusWriter{ResponseWriter: w}
	s.sb.ServeHTTP(sw, r.WithContext(ctx))
	if !sw.hijacked {
		s.answered(sl, cmp.Or(sw.status, http.StatusOK))
	}
}

// statusWriter notes the status written, and lets a scripted reset
// hijack the connection underneath.
type statusWriter struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Client returns an api.Client for AppKey that talks to the server in
// process (HTTPClient, InProcessURL), and fails the test (t.Fatalf, so
// call it from the test's goroutine) if it cannot be made.
//
// The kit's options come first, then opts, so opts may replace any of
// them. The Finicity-App-Token comes from opts if they hold a token
// source (api.WithAppToken, api.WithPartnerCredentials or
// api.WithTokenSource); otherwise from the kit: api.WithAppToken(Token),
// or, with WithTokenCheck, api.WithPartnerCredentials with the server's
// partner credentials.
//
// An *http.Client of yours (api.WithHTTPClient) keeps its settings, its
// Timeout, Jar and CheckRedirect, but not its Transport: the client
// always talks to the server in process, never to the network. The kit
// uses a copy; your *http.Client is not changed.
func (s *Server) Client(opts ...api.Option) *api.Client {
	s.t.Helper()
	return s.ClientForKey(AppKey, opts...)
}

// ClientForKey is Client with another Finicity-App-Key: the server keeps
// each app key's configurations apart.
func (s *Server) ClientForKey(appKey string, opts ...api.Option) *api.Client {
	s.t.Helper()
	return s.client(appKey, []api.Option{api.WithBaseURL(InProcessURL), api.WithHTTPClient(s.HTTPClient())}, opts, s.Transport())
}

// ServedClient is Client over a real connection to URL: for tests of what
// only a socket shows (connection reuse, a reset seen by net/http). As
// with Client, an *http.Client of yours keeps its settings but uses the
// listener's transport, which dials only the server.
func (s *Server) ServedClient(opts ...api.Option) *api.Client {
	s.t.Helper()
	srv := s.listener()
	return s.client(AppKey, []api.Option{api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client())}, opts, srv.Client().Transport)
}

// client builds a client with the transport options, the kit's token
// source unless opts have one, and opts; rt is pinned last, under whatever
// *http.Client opts chose, on a copy of it.
func (s *Server) client(appKey string, transport, opts []api.Option, rt http.RoundTripper) *api.Client {
	s.t.Helper()
	all := transport
	if !givesToken(opts) {
		all = append(all, s.defaultToken())
	}
	pin := func(set *settings) error {
		hc := *set.HTTPClient
		hc.Transport = rt
		set.HTTPClient = &hc
		return nil
	}
	c, err := api.NewClient(appKey, append(append(all, opts...), pin)...)
	if err != nil {
		s.t.Fatalf("connecttest: %v", err)
	}
	return c
}

// settings is what api's options set: an api.Option is a function of it.
type settings = apiconfig.Settings[api.TokenSource, api.Middleware]

// givesToken reports whether opts set a source of Finicity-App-Token
// (api.NewClient refuses none and two), applying them to settings of
// their own.
func givesToken(opts []api.Option) bool {
	var set settings
	for _, opt := range opts {
		if opt != nil && opt(&set) == nil && len(set.Sources) > 0 {
			return true
		}
	}
	return false
}

func (s *Server) defaultToken() api.Option {
	if s.cfg.tokenCheck {
		return api.WithPartnerCredentials(s.cfg.partnerID, s.cfg.partnerSecret)
	}
	return api.WithAppToken(Token)
}
