// Package transportpin lets the test kit (api/connecttest) keep the
// *http.Client a user passes with api.WithHTTPClient, with its timeout,
// cookie jar and redirect policy, while its transport is the kit's own:
// the kit cannot read an api.Option, which is opaque, so package api
// lends it one here when it is initialised.
package transportpin

import "net/http"

// Option returns an api.Option (typed any, since this package cannot
// import api) that, applied after every other option, replaces the
// Transport of the client's *http.Client with rt on a copy, leaving the
// caller's *http.Client as it was. Package api sets it in its init.
var Option func(rt http.RoundTripper) any
