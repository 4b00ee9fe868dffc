package api

import (
	"net/http"

	"github.com/finicity-go/connect-components/internal/transportpin"
)

// The test kit's hook, see package transportpin: api/connecttest pins its
// in-process transport under whatever *http.Client the user passes, so a
// timeout they set keeps working and no request reaches the network.
func init() {
	transportpin.Option = func(rt http.RoundTripper) any {
		return Option(func(s *settings) error {
			hc := *s.httpClient // a copy: the caller's client is left as it was
			hc.Transport = rt
			s.httpClient = &hc
			return nil
		})
	}
}
