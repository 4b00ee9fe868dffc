package validation

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/finicity-go/connect-components/internal/spec"
)

// Direction says which message of an exchange a finding is about.
type Direction string

// The directions.
const (
	Request  Direction = "request"
	Response Direction = "response"
)

// Kind classifies a finding by the check that found it.
type Kind string

// The kinds of finding.
const (
	KindUnknownField       Kind = "unknown field"       // a body field the spec does not define
	KindUnknownParameter   Kind = "unknown parameter"   // a query parameter the operation does not define
	KindMissingRequired    Kind = "missing required"    // a required field, parameter, header or body is absent
	KindType               Kind = "type"                // a value of the wrong JSON type (or null), or a parameter that does not parse as its type
	KindFormat             Kind = "format"              // a string off its format (uuid, uri, date-time) or pattern
	KindBounds             Kind = "bounds"              // a length, size or number out of its bounds
	KindEnum               Kind = "enum"                // a value outside its enum
	KindSchema             Kind = "schema"              // any other schema rule
	KindUndocumentedStatus Kind = "undocumented status" // a status the operation does not document
	KindContentType        Kind = "content type"        // a body in a media type the operation does not document
	KindInvalidJSON        Kind = "invalid json"        // a body that does not parse, or has text after its value
	KindDuplicateKey       Kind = "duplicate key"       // a JSON object naming a member twice
	KindInvalidUTF8        Kind = "invalid utf-8"       // a JSON string that is not valid UTF-8
	KindInvalidHeader      Kind = "invalid header"      // a header net/http would refuse or change on a socket
	KindDuplicateHeader    Kind = "duplicate header"    // a header the spec defines, given more than once
	KindUnexpectedBody     Kind = "unexpected body"     // a body sent to an operation that takes none
	KindCredentials        Kind = "credentials"         // a security header the operation requires is absent
	KindUnknownOperation   Kind = "unknown operation"   // no operation of the spec for the method and path
	KindUpstream           Kind = "upstream"            // no answer from upstream (the proxy's own finding)
	KindNotRecorded        Kind = "not recorded"        // a recording (HAR) without the body: not checked
)

// Severity says whether a finding breaks the spec.
type Severity string

// The severities.
const (
	// Violation: the exchange departs from the spec.
	Violation Severity = "violation"
	// Informational: worth knowing, not a departure: a field the API
	// sends that the spec does not define yet (the API grew), or a part
	// of a recording that was not there to check.
	Informational Severity = "informational"
)

// The rules as every finding words them: one wording per rule, whoever
// reports it (the test kit, the client's WithRequestValidation, the
// sandbox, the proxy, the validate and conformance commands). A format's
// rule is spec.FormatRule's.
const (
	RuleRequired         = "value is required but missing"
	RuleUnknownField     = "unknown field: not defined by the spec (names are exact and case-sensitive)"
	RuleUnknownParameter = "unknown parameter: the operation defines no such query parameter (names are exact and case-sensitive)"
	RuleUnexpectedBody   = "the operation takes no body"
	RuleInvalidJSON      = "does not parse as JSON"
	RuleTrailingData     = "does not parse as JSON: text follows the value"
	RuleInteger          = "must be an integer"
	RuleNumber           = "must be a number"
	RuleBoolean          = "must be true or false"
	RuleUndocumented     = "the operation does not document this status"
	RuleNotRecorded      = "not in the recording: not checked"
)

// RuleOutOfRange is the rule of a number too large for its Go type:
// "out of range for int64".
func RuleOutOfRange(goType string) string { return "out of range for " + goType }

// RuleDuplicateKey is the rule of a JSON member named n times.
func RuleDuplicateKey(n int) string {
	return fmt.Sprintf("duplicate key: given %d times; JSON decoders keep only the last", n)
}

// RuleDuplicateHeader is the rule of a header given n times.
func RuleDuplicateHeader(n int) string {
	return fmt.Sprintf("given %d times; the spec defines one value (servers read only one)", n)
}

// Operation names an operation of the spec as users know it.
type Operation struct {
	// Method is the api method, such as "Configurations.List".
	Method string `json:"method"`
	// Docs is the docs' name, such as "get_configurations"; empty for an
	// operation the docs do not name.
	Docs string `json:"docs"`
	// ID is the operationId, such as "GetConfigurations".
	ID string `json:"id,omitempty"`
}

// OperationOf names a spec operation; the zero Operation for nil.
func OperationOf(o *spec.Operation) Operation {
	if o == nil {
		return Operation{}
	}
	return Operation{Method: o.Qualified(), Docs: o.Docs, ID: o.ID}
}

// String names the operation as messages do: the api method, and the docs'
// name (or the operationId when the docs have none).
func (o Operation) String() string {
	other := cmp.Or(o.Docs, o.ID)
	switch {
	case o.Method == "" && other == "":
		return "(no operation)"
	case o.Method == "":
		return other
	}
	return o.Method + " (" + other + ")"
}

// Finding is one way an exchange departs from the spec, or, informational,
// one thing worth knowing about it. It never holds a value of the message:
// values may be credentials.
type Finding struct {
	Operation Operation `json:"operation"`
	Direction Direction `json:"direction"`
	// Status is the response's status; 0 when there is none (a request
	// checked before it is answered).
	Status int `json:"status"`
	// Kind is the check that found it.
	Kind Kind `json:"kind"`
	// Severity says whether it breaks the spec.
	Severity Severity `json:"severity"`
	// In is where the field is: "body", "path", "query" or "header" ("" for
	// the message as a whole).
	In string `json:"in,omitempty"`
	// Field names the field as a dotted path (serviceAgreement.language,
	// elements.0.label), the parameter or the header; empty when the
	// whole body (or message) is at fault.
	Field string `json:"field"`
	// Location is where, for a program: a JSON pointer into the body
	// (/serviceAgreement/language; "" for the body as a whole), or a
	// parameter or header as "query limit", "path institution_id",
	// "header X-Foo".
	Location string `json:"location"`
	// Rule says what the spec (or net/http, or JSON) wants.
	Rule string `json:"rule"`
}

// Informational reports whether f is informational rather than a
// violation.
func (f Finding) Informational() bool { return f.Severity == Informational }

// Refused reports whether the API itself refuses a request with f. The
// API ignores a field or query parameter it does not define, a body sent
// to an operation that takes none, a JSON member named twice (the last one
// counts) and a header given twice (one counts); a header value net/http
// refuses or trims never reaches it as it stands: the sandbox answers
// such a request as the API would, while the test kit, the client's
// request validation and the sandbox's strict mode hold it to the spec.
func (f Finding) Refused() bool {
	switch f.Kind {
	case KindUnknownField, KindUnknownParameter, KindUnexpectedBody, KindDuplicateKey, KindDuplicateHeader, KindInvalidHeader:
		return false
	}
	return f.Direction == Request
}

// Detail describes where and what, without the operation: "body
// configurationID: unknown field: ...". It is what the test kit, the
// client and the sandbox's answers say of a request.
func (f Finding) Detail() string {
	where := strings.TrimSpace(f.In + " " + f.Field)
	if where == "" {
		return f.Rule
	}
	return where + ": " + f.Rule
}

// String is one human line: operation, direction, status, kind and detail.
func (f Finding) String() string {
	s := f.Operation.String() + ": " + string(f.Direction)
	if f.Status != 0 {
		s += fmt.Sprintf(" (status %d)", f.Status)
	}
	return s + ": " + string(f.Kind) + ": " + f.Detail()
}

// Join is the findings' details, one after the other.
func Join(findings []Finding) string {
	parts := make([]string, len(findings))
	for i, f := range findings {
		parts[i] = f.Detail()
	}
	return strings.Join(parts, "; ")
}

// Violations are the findings that break the spec, in order.
func Violations(findings []Finding) []Finding {
	var out []Finding
	for _, f := range findings {
		if !f.Informational() {
			out = append(out, f)
		}
	}
	return out
}

// Error is a check's verdict as an error: the violations found, never
// empty. Its text is Join of them.
type Error struct {
	Findings []Finding
}

func (e *Error) Error() string { return Join(e.Findings) }

// asError is nil when findings hold no violation, an *Error of the
// violations otherwise.
func asError(findings []Finding) error {
	if v := Violations(findings); len(v) > 0 {
		return &Error{Findings: v}
	}
	return nil
}

// MaskFindings returns findings with every text field that may quote
// what a client or a server sent masked by mask: the rule (an upstream's
// error), the field and where it is (a header's name, a path parameter's
// value may be anything). findings itself is left as it is.
func MaskFindings(findings []Finding, mask func(string) string) []Finding {
	if len(findings) == 0 {
		return findings
	}
	out := make([]Finding, len(findings))
	for i, f := range findings {
		f.Rule, f.Field, f.In, f.Location = mask(f.Rule), mask(f.Field), mask(f.In), mask(f.Location)
		out[i] = f
	}
	return out
}
