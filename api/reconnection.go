package api

// NeedsMFA reports whether the API answered 203: the user must answer the
// challenges before a login form is available.
func (r *Reconnection) NeedsMFA() bool { return r.LoginForm == nil }

// Challenges returns every challenge of a 203 answer, in order, as one
// list; nil for a 201.
func (r *Reconnection) Challenges() []MFAChallenge {
	var all []MFAChallenge
	for _, set := range r.ChallengeSets {
		all = append(all, set.Challenges...)
	}
	return all
}
