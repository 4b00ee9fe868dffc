package sandbox

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
)

// Reconnection is one answer of PostReconnections: a login form (201) or
// one of the MFA challenge sets (203).
type Reconnection int

// The reconnection answers. Each 203 comes with fresh ids; only the shape
// is fixed.
const (
	// ReconnectLoginForm answers 201 with a login form (username, password).
	ReconnectLoginForm Reconnection = iota + 1
	// ReconnectTFAText answers 203 with one TFA_TEXT challenge, no choices.
	ReconnectTFAText
	// ReconnectTFAChoice answers 203 with one TFA_CHOICE challenge with 3
	// choice ids.
	ReconnectTFAChoice
	// ReconnectTFAMulti answers 203 with one TFA_MULTI challenge with 4
	// choice ids (images).
	ReconnectTFAMulti
	// ReconnectTFAImage answers 203 with one TFA_IMAGE challenge (a
	// captcha, no choices).
	ReconnectTFAImage
	// ReconnectTFATextThenChoice answers 203 with two challenges in one
	// item: TFA_TEXT, then TFA_CHOICE with 2 choice ids.
	ReconnectTFATextThenChoice
)

// QueueReconnections makes the next len(answers) reconnections, whatever
// their ids, answer these, in order; after them the last-digit convention
// of Scenario applies again. It fails, queueing nothing, on a value that
// is not one of the constants.
func (s *Sandbox) QueueReconnections(answers ...Reconnection) error {
	for _, a := range answers {
		if a < ReconnectLoginForm || a > ReconnectTFATextThenChoice {
			return fmt.Errorf("sandbox: %d is not a reconnection answer", int(a))
		}
	}
	s.script.mu.Lock()
	defer s.script.mu.Unlock()
	s.script.reconnections = append(s.script.reconnections, answers...)
	return nil
}

// nextReconnection takes the queued answer, if any.
func (s *Sandbox) nextReconnection() (Reconnection, bool) {
	s.script.mu.Lock()
	defer s.script.mu.Unlock()
	if len(s.script.reconnections) == 0 {
		return 0, false
	}
	a := s.script.reconnections[0]
	s.script.reconnections = s.script.reconnections[1:]
	return a, true
}

// Unless QueueReconnections chose the answer, reconnection scenarios are
// chosen by the last decimal digit of institution_login_id, so a test (or
// a user of the CLI) picks its case by picking an id:
//
//	…3  ReconnectTFAText
//	…4  ReconnectTFAChoice
//	…5  ReconnectTFAMulti
//	…6  ReconnectTFAImage
//	…7  ReconnectTFATextThenChoice
//	any other digit: ReconnectLoginForm
func (s *Sandbox) reconnect(c *call) response {
	loginID, err := strconv.ParseInt(c.params["institution_login_id"], 10, 64)
	if err != nil { // validated already; kept so a spec change cannot panic
		return invalidField("path institution_login_id: must be an integer").response()
	}
	answer, queued := s.nextReconnection()
	if !queued {
		answer = scenarioOf(loginID)
	}
	challenges := answer.challenges()
	if challenges == nil {
		return response{status: http.StatusCreated, body: newLoginForm("en")}
	}
	return response{status: http.StatusNonAuthoritativeInfo, body: gen.MFAChallengeSets{{Challenges: challenges}}}
}

// scenarioOf maps the last decimal digit of an institution login id to
// its answer.
func scenarioOf(institutionLoginID int64) Reconnection {
	digit := institutionLoginID % 10
	if digit < 0 {
		digit = -digit
	}
	switch digit {
	case 3:
		return ReconnectTFAText
	case 4:
		return ReconnectTFAChoice
	case 5:
		return ReconnectTFAMulti
	case 6:
		return ReconnectTFAImage
	case 7:
		return ReconnectTFATextThenChoice
	}
	return ReconnectLoginForm
}

// challenges builds the challenges of a 203 answer with fresh ids; nil for
// ReconnectLoginForm.
func (a Reconnection) challenges() []gen.MFAChallenge {
	stream := newID()
	challenge := func(mfaType, prompt string, choices int) gen.MFAChallenge {
		ids := make([]uuid.UUID, choices) // [] rather than null when empty
		for i := range ids {
			ids[i] = newID()
		}
		return gen.MFAChallenge{ID: newID(), MFAType: mfaType, Prompt: prompt, ChoiceIDs: ids, EventStreamID: stream}
	}
	switch a {
	case ReconnectTFAText:
		return []gen.MFAChallenge{challenge("TFA_TEXT", "Enter the one-time code sent to your phone", 0)}
	case ReconnectTFAChoice:
		return []gen.MFAChallenge{challenge("TFA_CHOICE", "Which city were you born in", 3)}
	case ReconnectTFAMulti:
		return []gen.MFAChallenge{challenge("TFA_MULTI", "Pick the image you chose at enrolment", 4)}
	case ReconnectTFAImage:
		return []gen.MFAChallenge{challenge("TFA_IMAGE", "Type the characters shown in the image", 0)}
	case ReconnectTFATextThenChoice:
		return []gen.MFAChallenge{
			challenge("TFA_TEXT", "Which high school did you attend", 0),
			challenge("TFA_CHOICE", "Which of these accounts is yours", 2),
		}
	}
	return nil
}
