package api

// Test-only hooks: tests of the retry and token behaviour must not wait
// for real time to pass.
var (
	WithRetrySleep  = withRetrySleep
	WithRetryJitter = withRetryJitter
	WithClock       = withClock
)
