package main

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
)

// direction is where an example is used: kin-openapi checks readOnly
// properties against it (a request must not send them).
type direction int

const (
	neutral direction = iota
	request
	response
)

// variant selects which example of a schema is synthesized: complete
// (every property), minimal (required properties only) or alternate (the
// other branch of a oneOf/anyOf, the last enum value, the second hint).
type variant int

const (
	complete variant = iota
	minimal
	alternate
)

var variantNames = []string{"complete", "minimal", "alternate"}

// synth builds example values from schemas. Values depend only on the
// order of calls, so the fixture is the same on every run.
type synth struct {
	schemas map[string]*Schema
	n       int
}

func (y *synth) next() int { y.n++; return y.n }

// value synthesizes a value of s named name (the property name, which
// picks plausible strings).
func (y *synth) value(s *Schema, name string, dir direction, v variant, depth int) any {
	if depth > 12 {
		panic(fmt.Sprintf("synth: schema too deep at %q", name))
	}
	if s.hint != nil {
		return pickHint(s.hint, v)
	}
	if s.ref != "" {
		target, ok := y.schemas[s.ref]
		if !ok {
			panic("synth: unknown schema " + s.ref)
		}
		return y.value(target, name, dir, v, depth+1)
	}
	switch {
	case len(s.allOf) > 0:
		out := omap{}
		for _, part := range s.allOf {
			m, ok := y.value(part, name, dir, v, depth+1).(omap)
			if !ok {
				panic("synth: allOf of a non-object at " + name)
			}
			for _, e := range m {
				out.set(e.k, e.v)
			}
		}
		return out
	case len(s.oneOf) > 0:
		return y.value(s.oneOf[branch(len(s.oneOf), v)], name, dir, v, depth+1)
	case len(s.anyOf) > 0:
		return y.value(s.anyOf[branch(len(s.anyOf), v)], name, dir, v, depth+1)
	}
	if len(s.enum) > 0 {
		if v == alternate {
			return s.enum[len(s.enum)-1]
		}
		return s.enum[0]
	}
	switch s.typ {
	case "object":
		out := omap{}
		for _, p := range s.props {
			if p.s == nil {
				out = append(out, kv{p.name, p.value})
				continue
			}
			if dir == request && y.readOnly(p.s) {
				continue
			}
			if v == minimal && !p.required {
				continue
			}
			out = append(out, kv{p.name, y.value(p.s, p.name, dir, v, depth+1)})
		}
		if v != minimal {
			switch a := s.addl.(type) {
			case *Schema:
				out = append(out, kv{extraKey(name), y.value(a, name, dir, v, depth+1)})
			case bool:
				out = append(out, kv{"partnerNote", "free-form value kept as sent"})
			}
		}
		return out
	case "array":
		n := max(1, s.minItems)
		out := make([]any, n)
		for i := range out {
			out[i] = y.value(s.items, singular(name), dir, v, depth+1)
		}
		return out
	case "string":
		return y.str(s, name)
	case "integer":
		return y.integer(s, name)
	case "number":
		return y.number(s, name)
	case "boolean":
		return v != alternate
	}
	panic(fmt.Sprintf("synth: cannot make a value of %q (type %q)", name, s.typ))
}

func branch(n int, v variant) int {
	if v == alternate && n > 1 {
		return 1
	}
	return 0
}

// pickHint: complete takes the first hint, alternate the last, minimal
// the second (or the only one).
func pickHint(h any, v variant) any {
	hs, ok := h.(hints)
	if !ok {
		return h
	}
	switch v {
	case minimal:
		return hs[min(1, len(hs)-1)]
	case alternate:
		return hs[len(hs)-1]
	}
	return hs[0]
}

// readOnly follows a $ref to tell whether a property is read-only.
func (y *synth) readOnly(s *Schema) bool {
	for s.ref != "" {
		s = y.schemas[s.ref]
	}
	return s.readOnly
}

var epoch = time.Date(2024, 1, 8, 9, 30, 0, 0, time.UTC)

func (y *synth) str(s *Schema, name string) string {
	if s.pattern != "" {
		panic(fmt.Sprintf("synth: %q has a pattern: give it a Hint", name))
	}
	n := y.next()
	var out string
	switch s.format {
	case "date":
		out = epoch.AddDate(0, 0, n*7%400).Format(time.DateOnly)
	case "date-time":
		out = epoch.Add(time.Duration(n) * 97 * time.Minute).Format(time.RFC3339)
	case "uuid":
		out = uuidOf(n)
	case "uri":
		out = fmt.Sprintf("https://partner.example.com/%s/%d", kebab(name), 1000+n)
	case "email":
		out = emailUsers[n%len(emailUsers)] + "@example.com"
	case "binary", "byte":
		panic("synth: no example for binary " + name)
	default:
		out = plausible(name, n)
	}
	if s.minLen >= 0 {
		for len([]rune(out)) < s.minLen {
			out += "x"
		}
	}
	if s.maxLen >= 0 && len([]rune(out)) > s.maxLen {
		out = string([]rune(out)[:s.maxLen])
	}
	return out
}

func (y *synth) integer(s *Schema, name string) any {
	n := y.next()
	lname := strings.ToLower(name)
	var v int64
	switch {
	case strings.HasSuffix(lname, "id") && s.format == "int64":
		v = 5000000000 + int64(n)*7919
	case strings.HasSuffix(lname, "id"):
		v = 10000 + int64(n)*37
	case strings.Contains(lname, "year"):
		v = 2023
	default:
		v = int64(n%90) + 3
	}
	if s.minimum != nil && float64(v) < *s.minimum {
		v = int64(math.Ceil(*s.minimum))
	}
	if s.maximum != nil && float64(v) > *s.maximum {
		v = int64(math.Floor(*s.maximum))
	}
	return v
}

func (y *synth) number(s *Schema, name string) any {
	n := y.next()
	v := float64(n%500)*12.5 + 0.75
	if s.minimum != nil && v < *s.minimum {
		v = *s.minimum
	}
	if s.maximum != nil && v > *s.maximum {
		v = *s.maximum
	}
	return v
}

// uuidOf is a version-4-shaped UUID derived from n.
func uuidOf(n int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "largespec-%d", n))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// plausible is a string value for a property of that name.
func plausible(name string, n int) string {
	if v, ok := knownValues[name]; ok {
		return v[n%len(v)]
	}
	lname := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lname, "id"):
		return fmt.Sprintf("%d", 1005061234+n*11)
	case strings.Contains(lname, "name"):
		return fmt.Sprintf("%s %d", words(name), n)
	case strings.Contains(lname, "currency"):
		return "USD"
	}
	return fmt.Sprintf("%s %d", words(name), n)
}

var emailUsers = []string{"amelie.okafor", "jonas.lindqvist", "priya.haddad", "tomas.moreau", "support", "reviews"}

var knownValues = map[string][]string{
	"firstName":          {"Amélie", "Jonas", "Priya", "Tomás"},
	"lastName":           {"Okafor", "Lindqvist", "Haddad", "Moreau"},
	"city":               {"Portland", "Québec", "Austin"},
	"state":              {"OR", "QC", "TX"},
	"postalCode":         {"97201", "G1R 4P5", "73301"},
	"country":            {"US", "CA"},
	"line1":              {"221 Alder Street", "14 rue Saint-Jean"},
	"line2":              {"Suite 300", "Apt 4B"},
	"phone":              {"+1-503-555-0142", "+1-418-555-0199"},
	"memo":               {"Card purchase — café", "Payroll deposit", "Transfer to savings"},
	"description":        {"Grocery store purchase", "Monthly rent", "Utility bill"},
	"currencyCode":       {"USD", "CAD"},
	"currency":           {"USD", "CAD"},
	"displayName":        {"Everyday Checking", "Rainy Day Savings"},
	"institution":        {"Harbor Community Bank", "Summit Credit Union"},
	"employerName":       {"Riverbend Logistics", "Acme Analytics"},
	"message":            {"The request could not be processed.", "The value is not valid."},
	"label":              {"Username", "Password", "Security word"},
	"status":             {"active", "pending"},
	"language":           {"en", "fr"},
	"username":           {"amelie.okafor", "jonas.l"},
	"password":           {"correct-horse-battery", "example-password-2"},
	"newPartnerSecret":   {"example-new-partner-secret"},
	"partnerSecret":      {"example-partner-secret"},
	"clientSecret":       {"example-client-secret"},
	"accessToken":        {"example-access-token"},
	"apiKey":             {"example-api-key"},
	"tokenType":          {"Bearer"},
	"appName":            {"Budget Buddy", "Lendwise"},
	"appDescription":     {"Helps households plan their monthly budget from their bank data."},
	"clientName":         {"Budget Buddy web", "Budget Buddy iOS"},
	"applicationName":    {"Lendwise underwriting", "Budget Buddy payments"},
	"companyName":        {"Lendwise Inc.", "Budget Buddy LLC"},
	"legalName":          {"Harbor Bakery LLC"},
	"payerName":          {"Harbor Community Bank"},
	"cardholderName":     {"Priya Haddad"},
	"issuer":             {"Summit Credit Union"},
	"reason":             {"Customer closed the account.", "Scheduled maintenance."},
	"comment":            {"Approved for read access."},
	"bestRepresentation": {"CAFE LUMIERE PORTLAND OR"},
	"userAgent":          {"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"},
	"instructions":       {"Use the username you chose when you enrolled in online banking."},
	"details":            {"limit must be at most 1000."},
	"Details":            {"No entity with that identifier."},
	"Description":        {"A request parameter could not be validated."},
	"Source":             {"partner-data-platform"},
}

// words turns camelCase into lower-case words: "displayName" -> "display name".
func words(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func kebab(name string) string { return strings.ReplaceAll(words(name), " ", "-") }

func singular(name string) string {
	switch {
	case strings.HasSuffix(name, "ies"):
		return strings.TrimSuffix(name, "ies") + "y"
	case strings.HasSuffix(name, "s"):
		return strings.TrimSuffix(name, "s")
	}
	return name
}

func extraKey(name string) string {
	if name == "" {
		return "extra"
	}
	return singular(name) + "Extra"
}
