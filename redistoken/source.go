package redistoken

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Defaults and fixed times of a Source.
const (
	// DefaultKeyPrefix starts every key a Source writes.
	DefaultKeyPrefix = "finicity:token:"
	// DefaultMaxAge is how long a token is shared (tokens are valid for
	// two hours): the TTL of the token key.
	DefaultMaxAge = 90 * time.Minute
	// AuthTimeout bounds one partner authentication. Its attempt is given
	// all of it whatever the client's attempt limits (api.WithAttemptTimeout,
	// api.WithCallAttemptTimeout): cut short, a rejection would go unseen.
	AuthTimeout = 30 * time.Second
	// LockLease is how long the replica that authenticates holds the lock
	// at most. It is longer than AuthTimeout, so a holder's authentication
	// has ended (answered or abandoned) before another replica may take
	// the lock over.
	LockLease = AuthTimeout + 15*time.Second
	// RejectionTTL is how long a rejected secret's record stops the fleet.
	// After it, one replica with that secret may try it once more.
	RejectionTTL = 24 * time.Hour
	// RedisTimeout bounds each Redis round trip, whatever the client's own
	// timeouts; a slower or failed one puts the Source in its degraded
	// mode (see the package documentation).
	RedisTimeout = 2 * time.Second
)

// Config describes the partner whose token a Source shares.
type Config struct {
	// AppKey, PartnerID and PartnerSecret are the partner's credentials,
	// all required. Only the app key and partner id name the Redis keys
	// (through a SHA-256); the secret never leaves this process except
	// in the authentication call. The app key and the secret are
	// api.Secrets (api.NewSecret(s)), so that no fmt verb prints them,
	// %p of a Config included, which prints its fields by reflection.
	AppKey        api.Secret
	PartnerID     string
	PartnerSecret api.Secret
	// ClientOptions configure the client that makes the authentication
	// call: base URL, HTTP client, logger, retries... A token option
	// (api.WithAppToken, api.WithTokenSource) is refused: the Source
	// authenticates with PartnerID and PartnerSecret.
	ClientOptions []api.Option
	// KeyPrefix starts every key the Source writes (default
	// DefaultKeyPrefix). Sources that share a token must use the same.
	KeyPrefix string
	// MaxAge is how long a token is shared before a new one is fetched
	// (default DefaultMaxAge; from 100 ms to two hours).
	MaxAge time.Duration
	// Logger receives the Source's warnings: Redis unreachable, and
	// reachable again (default slog.Default()). Credentials never appear.
	Logger *slog.Logger
}

// String and GoString keep the credentials out of printed values.
func (c Config) String() string {
	return fmt.Sprintf("redistoken.Config{PartnerID: %q, KeyPrefix: %q, MaxAge: %v}", c.PartnerID, c.KeyPrefix, c.MaxAge)
}

// GoString is String: %#v must not print the secret either.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb: without it, verbs that do not use
// String (%d, %t, ...) print the fields, the credentials among them.
func (c Config) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// Source is an api.TokenSource whose token is shared by every Source with
// the same app key, partner id and key prefix through Redis. Build it with
// New; it is safe for concurrent use. One Source per process is enough.
type Source struct {
	rdb    redis.UniversalClient
	id     string // the partner id
	secret api.Secret
	maxAge time.Duration
	keys   keys
	auth   *api.Client
	log    *slog.Logger
	t      timings

	// cur is the token in use, nil once it expired here (expiry's timer
	// clears it) or was invalidated: the fast path of Token reads it and
	// nothing else.
	cur atomic.Pointer[cached]

	// group makes the goroutines of this process that need a token share
	// one trip to Redis (or one local authentication).
	group singleflight.Group

	mu       sync.Mutex
	invalid  string      // the token last reported expired: never adopted again
	rejected *rejection  // this secret's rejection, as this process knows it
	paused   *failure    // the fleet's backoff, as this process knows it
	salt     string      // the salt last read from Redis
	local    string      // a token obtained while Redis was down, to share when it is back
	expiry   *time.Timer // clears cur when its token reaches its TTL

	degraded atomic.Bool  // Redis failed last time it was used
	refused  atomic.Bool  // Redis refused the Source's credentials last time (logged once)
	probing  atomic.Bool  // a recovery probe is running
	probed   atomic.Int64 // unix nanoseconds of the last probe start
}

// timings are the Source's waits, changed only by tests.
type timings struct {
	auth, lease, wait, poll, redis, recheck, probe time.Duration
	backoffBase, backoffMax                        time.Duration
}

func defaultTimings() timings {
	return timings{
		auth:    AuthTimeout,
		lease:   LockLease,
		wait:    LockLease + AuthTimeout,
		poll:    100 * time.Millisecond,
		redis:   RedisTimeout,
		recheck: 5 * time.Second,
		probe:   time.Second,

		backoffBase: BackoffBase,
		backoffMax:  BackoffMax,
	}
}

type cached struct {
	token   string
	expires time.Time // when it leaves Redis, for the TTL of a token shared late
}

// keys are the Redis keys of one app key and partner id. They share a
// hash tag, so a Lua script may touch several of them on a Redis Cluster.
type keys struct {
	token, lock, salt, backoff string
	rejected                   string // followed by a fingerprint
}

func deriveKeys(prefix, appKey, partnerID string) keys {
	// The app key's length first: no two (app key, partner id) pairs
	// make the same input, whatever bytes they hold.
	sum := sha256.Sum256(fmt.Appendf(nil, "redistoken/v1\x00%d\x00%s%s", len(appKey), appKey, partnerID))
	base := prefix + "{" + hex.EncodeToString(sum[:16]) + "}"
	return keys{token: base, lock: base + ":lock", salt: base + ":salt", backoff: base + ":backoff", rejected: base + ":rejected:"}
}

// New returns a Source sharing the token of cfg's partner through rdb. It
// refuses a nil client, an empty credential, a negative or too long
// MaxAge, and client options that do not build a client. It does not
// contact Redis or the API: the first Token call does.
func New(rdb redis.UniversalClient, cfg Config) (*Source, error) {
	if err := check("New", rdb, cfg); err != nil {
		return nil, err
	}
	switch {
	case cfg.MaxAge == 0:
		cfg.MaxAge = DefaultMaxAge
	case cfg.MaxAge < 0:
		return nil, fmt.Errorf("redistoken: New: Config.MaxAge %v is negative", cfg.MaxAge)
	case cfg.MaxAge < 100*time.Millisecond:
		return nil, fmt.Errorf("redistoken: New: Config.MaxAge %v is too short to share a token (tokens live two hours)", cfg.MaxAge)
	case cfg.MaxAge > 2*time.Hour:
		return nil, fmt.Errorf("redistoken: New: Config.MaxAge %v is longer than a token lives (2h)", cfg.MaxAge)
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// WithPartnerCredentials is not how the token is obtained (the Source
	// calls Partners.Authenticate itself, which sends the app key alone);
	// it gives the client the one token source it needs and has it mask
	// the secret in the text of its errors.
	opts := append(append([]api.Option(nil), cfg.ClientOptions...), api.WithPartnerCredentials(cfg.PartnerID, cfg.PartnerSecret.Reveal()))
	c, err := api.NewClient(cfg.AppKey.Reveal(), opts...)
	if err != nil {
		return nil, fmt.Errorf("redistoken: New: Config.ClientOptions: %w", err)
	}
	return &Source{
		rdb:    rdb,
		id:     cfg.PartnerID,
		secret: cfg.PartnerSecret,
		maxAge: cfg.MaxAge,
		keys:   deriveKeys(cfg.KeyPrefix, cfg.AppKey.Reveal(), cfg.PartnerID),
		auth:   c,
		log:    cfg.Logger,
		t:      defaultTimings(),
	}, nil
}

// check refuses a nil client or an empty credential, naming it, for fn.
func check(fn string, rdb redis.UniversalClient, cfg Config) error {
	if rdb == nil {
		return fmt.Errorf("redistoken: %s: the Redis client is nil", fn)
	}
	// A nil *redis.Client (or ClusterClient, Ring) in the interface is not
	// == nil, and would panic at the first Token call instead.
	if v := reflect.ValueOf(rdb); v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("redistoken: %s: the Redis client is a nil %T", fn, rdb)
	}
	for _, f := range []struct{ name, value string }{
		{"AppKey", cfg.AppKey.Reveal()}, {"PartnerID", cfg.PartnerID}, {"PartnerSecret", cfg.PartnerSecret.Reveal()},
	} {
		if strings.TrimSpace(f.value) == "" {
			return fmt.Errorf("redistoken: %s: Config.%s is empty", fn, f.name)
		}
	}
	return nil
}

// String and GoString keep the credentials and the token out of printed
// values.
func (s *Source) String() string { return "redistoken.Source{" + s.keys.token + "}" }

// GoString is String.
func (s *Source) GoString() string { return s.String() }

// Format prints String for every verb, as Config's does.
func (s *Source) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, s.String()) }

var _ api.TokenSource = (*Source)(nil)

// Token returns the shared token. While the token this process holds is
// younger than its TTL in Redis, and has not been invalidated, Token
// returns it without any round trip. Otherwise one goroutine of the
// process reads Redis, waits for the replica that authenticates, or
// authenticates itself; the others wait for it. If ctx ends first, Token
// returns ctx's error and the work carries on for the next caller: an
// authentication is never cut short by a caller giving up.
//
// Once partner authentication rejected this secret, from this replica or
// any other, Token fails at once with an error matching
// api.ErrCredentialsRejected (wrapping the API's *api.Error in the replica
// that was refused), without calling the API, until the record expires
// (RejectionTTL) or ClearRejection removes it. Another failure of the
// authentication (a 5xx, an answer without a usable token, or no answer,
// whose outcome is unknown) is returned as it is to the replica that made
// it, and recorded in Redis: until the backoff after it ends (BackoffBase
// doubling to BackoffMax), Token fails at once in every replica with an
// error saying so, and no replica calls the API.
//
// When Redis refuses the Source's credentials or permissions, Token fails
// with an error matching ErrRedisRefused, and does not authenticate.
func (s *Source) Token(ctx context.Context) (string, error) {
	if c := s.cur.Load(); c != nil {
		if s.degraded.Load() {
			s.probe()
		}
		return c.token, nil
	}
	// A refresh that read Redis before an Invalidate of the same token
	// may still hand it out: ask again then (twice at most, since that
	// needs an Invalidate racing each refresh).
	for try := 0; ; try++ {
		ch := s.group.DoChan("token", func() (any, error) {
			if c := s.cur.Load(); c != nil {
				return c.token, nil
			}
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.t.wait+s.t.auth)
			defer cancel()
			return s.refresh(fctx)
		})
		select {
		case res := <-ch:
			tok, _ := res.Val.(string)
			if res.Err == nil && try < 2 && s.isInvalid(tok) {
				continue
			}
			return tok, res.Err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

func (s *Source) isInvalid(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return tok == s.invalid
}

// Invalidate reports that the API refused token as expired. The Source
// stops using it and deletes it from Redis if it is still the stored
// token, so the next Token call gets a new one; a newer token stored by
// another replica is left alone.
func (s *Source) Invalidate(token string) {
	if token == "" {
		return
	}
	s.mu.Lock()
	first := s.invalid != token
	s.invalid = token
	c := s.cur.Load()
	behind := c != nil && c.token != token
	if c != nil && c.token == token {
		s.cur.Store(nil)
	}
	if s.local == token {
		s.local = ""
	}
	s.mu.Unlock()
	if !first || s.degraded.Load() {
		// Many calls fail with one token at once: one delete is enough.
		// While Redis is down, the request path must not wait for it.
		return
	}
	ctx := context.Background()
	if err := s.roundTrip(ctx, "delete the expired token", func(ctx context.Context) error {
		return compareAndDelete.Run(ctx, s.rdb, []string{s.keys.token}, token).Err()
	}); err != nil {
		s.observe(err)
		return
	}
	if behind {
		// The API refused a token older than the one in use: this process
		// was paused while the fleet moved on, and the one in use may be
		// spent as well. Take the stored one, so the replay uses it.
		if st, err := s.read(ctx); err == nil && st.token != "" {
			s.adopt(st.token, st.ttl)
		}
	}
}

// compareAndDelete deletes KEYS[1] if it holds ARGV[1]. pcall: a key of
// another type (garbage) is not ARGV[1], and must not fail the script.
var compareAndDelete = redis.NewScript(`
if redis.pcall("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// setAndRelease sets KEYS[1] to ARGV[1] for ARGV[2] milliseconds,
// deletes KEYS[3] if given (the failure record a token or a rejection
// ends), then deletes the lock KEYS[2] if ARGV[3] still owns it: the
// holder's result and the lock's release in one step, so that no replica
// finds the lock free before the result.
var setAndRelease = redis.NewScript(`
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
if KEYS[3] then
  redis.call("DEL", KEYS[3])
end
if redis.pcall("GET", KEYS[2]) == ARGV[3] then
  redis.call("DEL", KEYS[2])
end
return 1`)

// refresh gets a token when this process holds none: from Redis, from the
// replica that authenticates, or by authenticating.
func (s *Source) refresh(ctx context.Context) (string, error) {
	if s.degraded.Load() {
		// Redis failed last time: do not make every refresh wait for it
		// again; the probe tells when it is back.
		s.probe()
		return s.authenticateLocally(ctx)
	}
	if err := s.checkRejection(ctx); err != nil {
		return "", err
	}
	if err := s.waiting(); err != nil {
		return "", err // the fleet waits, and Redis can have nothing new meanwhile
	}
	tok, err := s.shared(ctx)
	if _, down := errors.AsType[*redisError](err); down {
		return s.authenticateLocally(ctx)
	}
	return tok, err
}

// shared is the fleet's protocol: read the token; else take the lock and
// authenticate; else wait for the holder, taking over if its lease ends.
func (s *Source) shared(ctx context.Context) (string, error) {
	deadline := time.Now().Add(s.t.wait)
	for {
		st, err := s.read(ctx)
		if err != nil {
			return "", err
		}
		if st.token != "" {
			s.adopt(st.token, st.ttl)
			return st.token, nil
		}
		if st.rejection != nil {
			return "", s.remember(st.rejection)
		}
		if f := st.failure; f != nil && f.wait > 0 {
			return "", s.pause(f)
		}
		owner := randomHex(16)
		won, err := s.lock(ctx, owner)
		if err != nil {
			return "", err
		}
		if won {
			return s.authenticateHolding(ctx, owner)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("redistoken: no token after waiting %v for another replica's partner authentication", s.t.wait)
		}
		// Jittered, so waiting replicas do not poll in step.
		wait := s.t.poll/2 + time.Duration(randomUint64()%uint64(s.t.poll))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return "", fmt.Errorf("redistoken: waiting for another replica's partner authentication: %w", ctx.Err())
		}
	}
}

// authenticateHolding runs with the lock held by owner.
func (s *Source) authenticateHolding(ctx context.Context, owner string) (string, error) {
	locked := time.Now()
	// Redis's answers to the holder's writes are awaited even if ctx
	// ends: they decide what the fleet sees next.
	wctx := context.WithoutCancel(ctx)
	release := func() {
		if s.degraded.Load() {
			return // Redis just failed: its lease frees the lock, the request path does not wait again
		}
		s.observe(s.roundTrip(wctx, "release the lock", func(ctx context.Context) error {
			return compareAndDelete.Run(ctx, s.rdb, []string{s.keys.lock}, owner).Err()
		}))
	}
	// A token or a rejection may have landed between the read and the lock.
	st, err := s.read(ctx)
	if err != nil {
		release()
		return "", err
	}
	if st.token != "" || st.rejection != nil || (st.failure != nil && st.failure.wait > 0) {
		release()
		switch {
		case st.token != "":
			s.adopt(st.token, st.ttl)
			return st.token, nil
		case st.rejection != nil:
			return "", s.remember(st.rejection)
		}
		return "", s.pause(st.failure)
	}
	// Ends before the lease does: no other replica can start while this
	// authentication may still reach the API.
	actx, cancel := context.WithDeadline(ctx, locked.Add(s.t.auth))
	defer cancel()
	tok, err := s.authenticate(actx)
	var rej *rejection
	if rejErr, ok := errors.AsType[*rejectedError](err); ok {
		rej = rejErr.rejection
	}
	switch {
	case rej != nil:
		fp := fingerprint(st.salt, s.secret.Reveal())
		rerr := s.roundTrip(wctx, "record the rejection", func(ctx context.Context) error {
			return setAndRelease.Run(ctx, s.rdb, []string{s.keys.rejected + fp, s.keys.lock, s.keys.backoff},
				rej.record(), RejectionTTL.Milliseconds(), owner).Err()
		})
		rej.salt, rej.published, rej.checked = st.salt, rerr == nil, time.Now()
		s.observe(rerr)
		return "", s.remember(rej)
	case err != nil:
		// Not the credentials, or not known to be: the whole fleet waits
		// before the next attempt, by whichever replica. The record and
		// the lock's release are one step, so no replica finds the lock
		// free without the wait.
		f := s.newFailure(st.failure, err)
		s.observe(s.roundTrip(wctx, "record the failure", func(ctx context.Context) error {
			return setAndRelease.Run(ctx, s.rdb, []string{s.keys.backoff, s.keys.lock},
				f.record(), f.ttlMs(), owner).Err()
		}))
		_ = s.pause(f)
		return "", err
	}
	perr := s.roundTrip(wctx, "store the token", func(ctx context.Context) error {
		return setAndRelease.Run(ctx, s.rdb, []string{s.keys.token, s.keys.lock, s.keys.backoff}, tok, s.maxAge.Milliseconds(), owner).Err()
	})
	s.observe(perr)
	s.mu.Lock()
	s.paused = nil
	if perr != nil {
		s.local = tok // shared once Redis is back
	}
	s.mu.Unlock()
	s.adopt(tok, s.maxAge)
	return tok, nil
}

// authenticateLocally is the degraded mode: Redis cannot be reached, so
// this process authenticates for itself (the singleflight of Token makes
// it one authentication at a time) and remembers a rejection.
func (s *Source) authenticateLocally(ctx context.Context) (string, error) {
	if err := s.knownRejection(); err != nil {
		return "", err
	}
	if err := s.waiting(); err != nil {
		return "", err
	}
	actx, cancel := context.WithTimeout(ctx, s.t.auth)
	defer cancel()
	tok, err := s.authenticate(actx)
	if rejErr, ok := errors.AsType[*rejectedError](err); ok {
		return "", s.remember(rejErr.rejection) // published when Redis is back
	}
	if err != nil {
		// This process waits, as the fleet would.
		s.mu.Lock()
		prev := s.paused
		s.mu.Unlock()
		_ = s.pause(s.newFailure(prev, err))
		return "", err
	}
	s.mu.Lock()
	s.local, s.paused = tok, nil
	s.mu.Unlock()
	s.adopt(tok, s.maxAge)
	return tok, nil
}

// authenticate makes the one call that spends a login attempt.
func (s *Source) authenticate(ctx context.Context) (string, error) {
	res, err := s.auth.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerID: s.id, PartnerSecret: s.secret})
	if err != nil {
		if errors.Is(err, api.ErrCredentialsRejected) {
			return "", newRejection(err)
		}
		return "", err // the client's own error, which names the call
	}
	switch {
	case res.Token.IsZero():
		return "", errNoToken
	case !usableToken(res.Token.Reveal()):
		// Kept, it would fail every call of the fleet until its TTL.
		return "", errBadToken
	}
	return res.Token.Reveal(), nil
}

// adopt makes tok the token of this process for ttl, unless it was
// invalidated meanwhile.
func (s *Source) adopt(tok string, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok == s.invalid {
		return
	}
	c := &cached{token: tok, expires: time.Now().Add(ttl)}
	s.cur.Store(c)
	// A timer drops it at its expiry, so that Token need not read the
	// clock: the fast path is two atomic loads (the token, the mode).
	if s.expiry != nil {
		s.expiry.Stop()
	}
	s.expiry = time.AfterFunc(ttl, func() { s.cur.CompareAndSwap(c, nil) })
}

// state is what Redis holds for this Source.
type state struct {
	token     string // "" when absent or invalidated by this process
	ttl       time.Duration
	salt      string
	rejection *rejection // this secret's record, if any
	failure   *failure   // the fleet's failure record, if any
}

// read fetches the token, its TTL, the salt and this secret's rejection
// record in one round trip (two the first time, or after Redis lost the
// salt).
func (s *Source) read(ctx context.Context) (state, error) {
	var st state
	err := s.roundTrip(ctx, "read the token", func(ctx context.Context) (err error) {
		st, err = s.readRedis(ctx)
		return err
	})
	if err != nil {
		return state{}, err
	}
	return st, nil
}

// readRedis is read, within a round trip's time limit.
func (s *Source) readRedis(ctx context.Context) (state, error) {
	s.mu.Lock()
	salt := s.salt
	s.mu.Unlock()
	pipe := s.rdb.Pipeline()
	tokCmd := pipe.Get(ctx, s.keys.token)
	ttlCmd := pipe.PTTL(ctx, s.keys.token)
	saltCmd := pipe.Get(ctx, s.keys.salt)
	failCmd := pipe.Get(ctx, s.keys.backoff)
	failTTL := pipe.PTTL(ctx, s.keys.backoff)
	var recCmd *redis.StringCmd
	var recTTL *redis.DurationCmd
	if salt != "" {
		recCmd = pipe.Get(ctx, s.keys.rejected+fingerprint(salt, s.secret.Reveal()))
		recTTL = pipe.PTTL(ctx, s.keys.rejected+fingerprint(salt, s.secret.Reveal()))
	}
	if err := execPipeline(ctx, pipe); err != nil { // else each command's error is looked at below
		return state{}, s.failed("read the token", err)
	}
	var st state
	var err error
	// Garbage under the token key (another type, a value no header can
	// carry) is no token: the holder's SET replaces it.
	if st.token, err = value(tokCmd); err != nil && !wrongType(err) {
		return st, s.failed("read the token", err)
	}
	if !usableToken(st.token) {
		st.token = ""
	}
	if st.ttl, err = ttlCmd.Result(); err != nil {
		return st, s.failed("read the token's TTL", err)
	}
	if st.ttl <= 0 { // no TTL (-1): not ours to keep forever
		st.ttl = s.maxAge
		if st.token != "" {
			// Not a Source's SET: give it the TTL a Source would have (a
			// holder's SET racing this one gets the same TTL anyway).
			if err := s.rdb.PExpire(ctx, s.keys.token, s.maxAge).Err(); err != nil {
				return st, s.failed("give the token a TTL", err)
			}
		}
	}
	if st.salt, err = value(saltCmd); err != nil && !wrongType(err) {
		return st, s.failed("read the salt", err)
	}
	// A failure record of another type, or that does not parse, is none.
	if rec, err := value(failCmd); err != nil && !wrongType(err) {
		return st, s.failed("read the failure record", err)
	} else if rec != "" {
		ttl, err := failTTL.Result()
		if err != nil {
			return st, s.failed("read the failure record's TTL", err)
		}
		st.failure = s.parseFailure(rec, ttl)
	}
	if st.salt == "" {
		if st.salt, err = s.createSalt(ctx); err != nil {
			return st, err
		}
	}
	var rec string
	if st.salt != salt || recCmd == nil {
		pipe := s.rdb.Pipeline()
		recCmd = pipe.Get(ctx, s.keys.rejected+fingerprint(st.salt, s.secret.Reveal()))
		recTTL = pipe.PTTL(ctx, s.keys.rejected+fingerprint(st.salt, s.secret.Reveal()))
		if err := execPipeline(ctx, pipe); err != nil {
			return st, s.failed("read the rejection record", err)
		}
	}
	rec, err = value(recCmd)
	if err == nil || wrongType(err) {
		if terr := recTTL.Err(); terr != nil {
			err = terr
		}
	}
	switch {
	case wrongType(err):
		rec = "?" // only a Source writes under this name: still a stop
	case err != nil:
		return st, s.failed("read the rejection record", err)
	}
	s.mu.Lock()
	s.salt = st.salt
	if st.token != "" && st.token == s.invalid {
		st.token = "" // expired at the API; the holder replaces it
	}
	s.mu.Unlock()
	if rec != "" {
		st.rejection = parseRecord(rec, recTTL.Val())
		st.rejection.salt, st.rejection.published, st.rejection.checked = st.salt, true, time.Now()
	}
	s.observe(nil)
	return st, nil
}

// createSalt stores a new random salt unless another replica did first,
// and returns the one stored.
func (s *Source) createSalt(ctx context.Context) (string, error) {
	salt, err := storeSalt.Run(ctx, s.rdb, []string{s.keys.salt}, randomHex(32)).Text()
	if err != nil {
		return "", s.failed("store a salt", err)
	}
	return salt, nil
}

// storeSalt returns the salt at KEYS[1], first storing ARGV[1] there if
// it holds none: absent, empty, or garbage of another type.
var storeSalt = redis.NewScript(`
local v = redis.pcall("GET", KEYS[1])
if type(v) == "string" and v ~= "" then
  return v
end
redis.call("DEL", KEYS[1])
redis.call("SET", KEYS[1], ARGV[1])
return ARGV[1]`)

// lock tries to take the lease lock for owner: SET NX PX. In the same
// round trip, a lock key without a TTL or with a longer one than a lease
// (not a Source's: an operator's SET, a PERSIST) is given one lease, so
// it cannot stop the fleet for good.
func (s *Source) lock(ctx context.Context, owner string) (bool, error) {
	var won bool
	err := s.roundTrip(ctx, "take the lock", func(ctx context.Context) error {
		lease := s.t.lease.Milliseconds()
		pipe := s.rdb.Pipeline()
		set := pipe.Do(ctx, "SET", s.keys.lock, owner, "NX", "PX", lease)
		bound := boundLease.Eval(ctx, pipe, []string{s.keys.lock}, lease)
		if err := execPipeline(ctx, pipe); err != nil { // else each command's error is looked at below
			return err
		}
		err := set.Err()
		won = err == nil
		if errors.Is(err, redis.Nil) { // NX: another owner holds it
			err = nil
		}
		if err == nil {
			err = bound.Err()
		}
		return err
	})
	if err != nil {
		return false, s.failed("take the lock", err)
	}
	return won, nil
}

// execPipeline runs pipe, and returns an error only if the pipeline
// itself failed, its commands' errors being for the caller to look at.
// go-redis leaves every command of a pipeline without an error when the
// connection's set-up (AUTH, HELLO) was answered with a Redis error such
// as WRONGPASS: a missing key and a refused connection would look alike,
// and a lock never taken would look won.
func execPipeline(ctx context.Context, pipe redis.Pipeliner) error {
	cmds, err := pipe.Exec(ctx)
	if err == nil {
		return nil
	}
	for _, cmd := range cmds {
		if cmd.Err() != nil {
			return nil // the commands carry their errors (redis.Nil, WRONGTYPE...)
		}
	}
	return err
}

// roundTrip runs fn, Redis round trips for op, within RedisTimeout, and
// returns at that deadline even if the client has not: go-redis bounds a
// read by Options.ReadTimeout (3 s by default), not by the context,
// unless Options.ContextTimeoutEnabled is set, so a Redis that stops
// answering (a network partition, a paused node) would hold the request
// path longer than documented. An abandoned fn ends in the background;
// whatever it sets is read only when roundTrip returns nil.
func (s *Source) roundTrip(ctx context.Context, op string, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.t.redis)
	defer cancel() // an abandoned fn sees its context end, for a client that heeds it
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done: // answered as the time ran out
			return err
		default:
			return s.failed(op, ctx.Err())
		}
	}
}

// boundLease gives the lock KEYS[1] a TTL of ARGV[1] milliseconds if it
// has none or a longer one. Eval, not EvalSha: in a pipeline the script
// cache cannot be tried first.
var boundLease = redis.NewScript(`
local ttl = redis.call("PTTL", KEYS[1])
if ttl == -1 or ttl > tonumber(ARGV[1]) then
  redis.call("PEXPIRE", KEYS[1], ARGV[1])
end
return 0`)

// wrongType is Redis answering that a key holds another type than a
// string: garbage under one of the Source's names, not Redis down.
func wrongType(err error) bool { return redis.HasErrorPrefix(err, "WRONGTYPE") }

// usableToken reports whether tok can be a Finicity-App-Token: printable
// ASCII without spaces (what an HTTP header carries as it is), of a sane
// length. Anything else under the token key is garbage.
func usableToken(tok string) bool {
	if tok == "" || len(tok) > 4096 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] <= ' ' || tok[i] > '~' {
			return false
		}
	}
	return true
}

// fingerprint is HMAC-SHA256(salt, secret): it tells secrets apart and
// cannot be tested against a guess without the salt, nor reversed.
func fingerprint(salt, secret string) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

// value is a GET's result, "" when the key is absent.
func value(cmd *redis.StringCmd) (string, error) {
	v, err := cmd.Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func randomUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}
