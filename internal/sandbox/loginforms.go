package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/finicity-go/connect-components/gen"
)

// sessionRequest holds the fields of the login-form and OAuth URL bodies
// that the sandbox acts on. The rest has been validated against the spec
// (and configurationId checked by the x-sandbox refs) and needs no
// behaviour here.
type sessionRequest struct {
	Language    string `json:"language"`
	RedirectURI string `json:"redirectURI"`
}

// decodeSession decodes the body of a login-form or OAuth URL request.
func decodeSession(c *call) (sessionRequest, *response) {
	var req sessionRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		r := invalidField("body: not a JSON object").response()
		return req, &r
	}
	return req, nil
}

func (s *Sandbox) createLoginForm(c *call) response {
	req, fail := decodeSession(c)
	if fail != nil {
		return *fail
	}
	return response{status: http.StatusCreated, body: newLoginForm(req.Language)}
}

// newLoginForm builds a username/password form with fresh ids, labelled in
// the requested language so a front end can see its language choice work.
func newLoginForm(language string) gen.LoginForm {
	user, pass := "Username", "Password"
	switch strings.ToLower(strings.SplitN(language, "-", 2)[0]) {
	case "es":
		user, pass = "Usuario", "Contraseña"
	case "fr":
		user, pass = "Nom d'utilisateur", "Mot de passe"
	}
	return gen.LoginForm{
		ID:            newID(),
		EventStreamID: newID(),
		Elements: []gen.LoginFormElement{
			{ID: newID(), Label: user, SortOrder: 0},
			{ID: newID(), Label: pass, SortOrder: 1},
		},
	}
}
