package validation

// SlowOnly returns a copy of v that always validates with openapi3filter,
// for tests comparing the fast path with it.
func (v *Validator) SlowOnly() *Validator {
	cp := *v
	cp.slowOnly = true
	return &cp
}

// FastRequest reports the fast path's verdict alone.
func (v *Validator) FastRequest(method, path string, header map[string][]string, body []byte) (bool, error) {
	r, params, err := v.FindRoute(method, path)
	if err != nil {
		return false, err
	}
	req := newTestRequest(method, path, header)
	return r.fast.requestValid(req, params, body), nil
}

// FastResponse reports the fast path's verdict alone.
func (v *Validator) FastResponse(method, path string, status int, header map[string][]string, body []byte) (bool, error) {
	r, _, err := v.FindRoute(method, path)
	if err != nil {
		return false, err
	}
	return r.fast.responseValid(status, header, body), nil
}
