package sandbox

import (
	"net/http"
	"strconv"

	"github.com/finicity-go/connect-components/gen"
)

// Reconnection scenarios are chosen by the last decimal digit of
// institution_login_id, so a test picks its case by picking an id:
//
//	…3  203, one TFA_TEXT challenge (no choices)
//	…4  203, one TFA_CHOICE challenge with 3 choice ids
//	…5  203, one TFA_MULTI challenge with 4 choice ids (images)
//	…6  203, one TFA_IMAGE challenge (captcha, no choices)
//	…7  203, two challenges in one item: TFA_TEXT then TFA_CHOICE (2 choices)
//	any other digit: 201, a login form (username, password)
//
// Ids in the answers are fresh for every call; only the shape is fixed.
func (s *Sandbox) reconnect(c *call) response {
	loginID, err := strconv.ParseInt(c.params["institution_login_id"], 10, 64)
	if err != nil { // validated already; kept so a spec change cannot panic
		return invalidField("path institution_login_id: must be an integer").response()
	}
	challenges := Scenario(loginID)
	if challenges == nil {
		return response{status: http.StatusCreated, body: newLoginForm("en")}
	}
	return response{status: http.StatusNonAuthoritativeInfo, body: gen.MFAChallengeSets{{Challenges: challenges}}}
}

// Scenario returns the MFA challenges the sandbox answers for
// institutionLoginID, or nil when it answers 201 with a login form. Ids
// are fresh on every call.
func Scenario(institutionLoginID int64) []gen.MFAChallenge {
	digit := institutionLoginID % 10
	if digit < 0 {
		digit = -digit
	}
	stream := newID()
	challenge := func(mfaType, prompt string, choices int) gen.MFAChallenge {
		ids := make([]gen.UUID, choices) // [] rather than null when empty
		for i := range ids {
			ids[i] = newID()
		}
		return gen.MFAChallenge{ID: newID(), MFAType: mfaType, Prompt: prompt, ChoiceIDs: ids, EventStreamID: stream}
	}
	switch digit {
	case 3:
		return []gen.MFAChallenge{challenge("TFA_TEXT", "Enter the one-time code sent to your phone", 0)}
	case 4:
		return []gen.MFAChallenge{challenge("TFA_CHOICE", "Which city were you born in", 3)}
	case 5:
		return []gen.MFAChallenge{challenge("TFA_MULTI", "Pick the image you chose at enrolment", 4)}
	case 6:
		return []gen.MFAChallenge{challenge("TFA_IMAGE", "Type the characters shown in the image", 0)}
	case 7:
		return []gen.MFAChallenge{
			challenge("TFA_TEXT", "Which high school did you attend", 0),
			challenge("TFA_CHOICE", "Which of these accounts is yours", 2),
		}
	}
	return nil
}
