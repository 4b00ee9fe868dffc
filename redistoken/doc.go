// Package redistoken is an api.TokenSource that shares one
// Finicity-App-Token across every replica of a service through Redis, so
// that a fleet authenticates once per token, and stops as a whole when
// partner authentication rejects its secret.
//
// # The hazard
//
// Five failed partner authentications lock the partner account. A client
// built with api.WithPartnerCredentials remembers a rejection, but only in
// its own process: eight replicas still holding a rotated-out secret make
// eight failures, and lock the account for everyone. Without coordination
// every replica also authenticates on its own at every expiry.
//
// # How a Source works
//
//   - The token lives in Redis under a key derived from the app key and
//     the partner id (a SHA-256, never the secret), with a TTL of
//     Config.MaxAge. Each replica keeps it in memory until that TTL ends or
//     the API reports it expired (Invalidate): Token does not touch Redis
//     on the way.
//   - When a token is needed, one replica takes a lease lock (SET NX PX
//     with a random owner, LockLease long, longer than AuthTimeout),
//     authenticates, stores the token and releases the lock with a
//     compare-and-delete script. The others poll the token key, for at
//     most LockLease+AuthTimeout, and take the lock over if the holder died.
//   - Invalidate deletes the stored token only if it is still the expired
//     one (compare-and-delete), so a stale replica never removes a fresh
//     token.
//   - A rejection by the API itself (errors.Is(err,
//     api.ErrCredentialsRejected)) is stored for RejectionTTL under
//     HMAC-SHA256(salt, secret), the salt being random and kept in Redis
//     beside the token. Every replica with that secret then fails at once
//     with an error matching api.ErrCredentialsRejected, without calling
//     the API; a replica with another secret (a rotation) tries once.
//     ClearRejection removes the record.
//   - Any other failure (a 5xx, an answer without a usable token, or no
//     answer: a timeout or a connection reset, after which the API may have
//     rejected the secret unseen) is recorded too, with the count of
//     failures in a row, in the step that releases the lock: the whole
//     fleet then waits before its next attempt, BackoffBase doubling to
//     BackoffMax, jittered (Token fails at once meanwhile, saying so), and
//     makes at most one attempt per step. A success deletes the record.
//   - The authentication call has AuthTimeout whatever the client's
//     attempt limits say, and no caller giving up cuts it short: a slow
//     rejection is seen and recorded.
//
// # What Redis holds
//
// Under KeyPrefix + "{" + 32 hex digits of SHA-256(app key, partner id) +
// "}": the token (TTL MaxAge); ":lock", a random owner id while a replica
// authenticates (TTL LockLease); ":salt", 32 random bytes;
// ":rejected:" + hex HMAC-SHA256(salt, secret), the time, status and
// reason code of a rejection (TTL RejectionTTL); and ":backoff", the count
// of failures in a row and how the last attempt ended (TTL the wait before
// the next attempt plus a minute, the wait being read from the TTL, so
// that clocks that disagree change nothing). Never the partner secret,
// the app key or the partner id. The keys share a hash tag, so a Redis
// Cluster keeps them on one node.
//
// Garbage under these names is not Redis down: a token key of another
// type, or holding what no header can carry, is no token (the next
// holder's SET replaces it); a token without a TTL is given MaxAge; a salt of another type or empty is replaced;
// a record that does not parse, or of another type, still stops the
// secret; a backoff record that does not parse, or without a TTL, is none
// (the next failure's record replaces it); a lock without a TTL, or with
// one longer than LockLease, is given one lease, so it cannot stop the
// fleet for good.
//
// # Redis down
//
// When a Redis command fails (the connection refused, or slower than
// RedisTimeout, which the Source enforces itself whatever the client's own
// timeouts), a Source authenticates for its own process (one
// authentication at a time, a rejection remembered and never retried,
// other failures spaced by the same backoff), logs one warning through
// Config.Logger, stops waiting on Redis, probes it in the background (at
// most once a second, while Token is called), and when it answers logs
// that too, stores the token and any
// rejection it learned meanwhile, and shares through Redis again. No call
// fails because Redis is down, as long as the API answers: the first call
// needing a token after Redis went away waits up to RedisTimeout, then
// the Source authenticates. The fleet then makes up to one authentication
// per replica per token instead of one, and a rejected secret no replica
// knew of yet may be tried once per replica.
//
// Redis refusing the Source's credentials or permissions (WRONGPASS,
// NOAUTH, NOPERM) is not Redis down but a configuration error: Token
// returns it (ErrRedisRefused, saying what to fix), the Source logs it
// once, and no replica authenticates, since every replica would.
package redistoken
