package validation

import (
	"net/http"
	"net/url"
)

func newTestRequest(method, path string, header map[string][]string) *http.Request {
	return &http.Request{Method: method, URL: &url.URL{Path: path}, Header: header}
}
