package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// listed is how many operations a row of the README's table names.
const listed = 8

// facts is what the README and the test know of a rendered fragment.
type facts struct {
	doc   *openapi3.T
	ops   []opRef
	usage usage
}

// study loads a rendered fragment and analyses it.
func study(fragment []byte) (*facts, error) {
	doc, err := openapi3.NewLoader().LoadFromData(fragment)
	if err != nil {
		return nil, fmt.Errorf("the fragment does not load: %w", err)
	}
	// kin-openapi keeps no key order: take the paths' from the YAML.
	var raw struct{ Paths yaml.Node }
	if err := yaml.Unmarshal(fragment, &raw); err != nil {
		return nil, err
	}
	var order []string
	for i := 0; i+1 < len(raw.Paths.Content); i += 2 {
		order = append(order, raw.Paths.Content[i].Value)
	}
	ops := operations(doc, order)
	return &facts{doc: doc, ops: ops, usage: analyse(doc, ops)}, nil
}

// missing lists the constructs fewer operations show than they must.
func (f *facts) missing() []string {
	var out []string
	for _, c := range constructs {
		if n := len(f.usage[c.label]); n < c.min {
			out = append(out, fmt.Sprintf("%q: %d operation(s), want at least %d", c.label, n, c.min))
		}
	}
	return out
}

func readme(fragment []byte) ([]byte, error) {
	f, err := study(fragment)
	if err != nil {
		return nil, err
	}
	if m := f.missing(); len(m) > 0 {
		return nil, fmt.Errorf("the fragment lacks constructs:\n  %s", strings.Join(m, "\n  "))
	}
	c := f.doc.Components
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s", readmeIntro)
	fmt.Fprintf(&b, "## Size\n\n")
	fmt.Fprintf(&b, "| | count |\n|---|---|\n")
	for _, row := range []struct {
		name string
		n    int
	}{
		{"operations", len(f.ops)},
		{"paths", f.doc.Paths.Len()},
		{"tags", len(f.doc.Tags)},
		{"schemas", len(c.Schemas)},
		{"parameters", len(c.Parameters)},
		{"request bodies", len(c.RequestBodies)},
		{"responses", len(c.Responses)},
		{"headers", len(c.Headers)},
		{"examples", len(c.Examples)},
		{"bytes of fragment.yaml", len(fragment)},
	} {
		fmt.Fprintf(&b, "| %s | %d |\n", row.name, row.n)
	}
	perTag := map[string]int{}
	for _, o := range f.ops {
		perTag[o.op.Tags[0]]++
	}
	fmt.Fprintf(&b, "\nOperations by service (first tag): ")
	var parts []string
	for _, t := range f.doc.Tags {
		parts = append(parts, fmt.Sprintf("%s %d", t.Name, perTag[t.Name]))
	}
	fmt.Fprintf(&b, "%s.\n\n", strings.Join(parts, ", "))

	fmt.Fprintf(&b, "## Constructs\n\n")
	fmt.Fprintf(&b, "Computed from the file by the generator (internal/tools/largespec/analyse.go); the test fails when a construct is shown by fewer operations than required (two, \"several\", except the single `x-secret: false`). At most %d operations are named per row.\n\n", listed)
	fmt.Fprintf(&b, "| | construct | ops | operations |\n|---|---|---|---|\n")
	for _, con := range constructs {
		ids := f.usage[con.label]
		shown := ids
		more := ""
		if len(ids) > listed {
			shown = ids[:listed]
			more = fmt.Sprintf(" and %d more", len(ids)-listed)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s%s |\n", con.group, escapeCell(con.label), len(ids), "`"+strings.Join(shown, "`, `")+"`", more)
	}
	return b.Bytes(), nil
}

func escapeCell(s string) string {
	return strings.NewReplacer("|", `\|`, "*/", "`*/`", "<OperationId>", "`<OperationId>`").Replace(s)
}

const readmeIntro = `# testdata/largespec

A large OpenAPI 3.0.3 document, ` + "`fragment.yaml`" + `, for proving that code
generation works from any document and not only from this project's
openapi.yaml. ` + "`make test-spec-scale`" + ` merges it into openapi.yaml,
regenerates, builds, vets, and calls every operation through the client,
the CLI (` + "`--sandbox`" + `) and the test kit.

It is this project's own: written by a generator program
(internal/tools/largespec), modelled on the kind of partner API that
aggregates financial data (customers, accounts, institutions,
transactions, statements, consumers, reports, payments, applications,
notifications), with names, paths and descriptions of our own. No
published vendor document was copied.

## Regenerating

    go run ./internal/tools/largespec

writes ` + "`fragment.yaml`" + ` and this README (the tables below are computed from
the file). ` + "`go test ./internal/tools/largespec`" + ` fails when either is stale,
validates the fragment alone and merged into openapi.yaml (every example
against its schema, formats included), and checks the counts below.

To merge it by hand:

    go run ./internal/tools/specmerge -o merged.yaml openapi.yaml testdata/largespec/fragment.yaml

## What the fragment deliberately contains

- No ` + "`x-`" + ` extension at all, except ` + "`x-secret: false`" + ` on
  ClientToken.tokenType: the generator must infer services, method names
  and secrets by itself. Secrets are only recognisable by name
  (newPartnerSecret, partnerSecret, password, accessToken, apiKey,
  clientSecret).
- The same two apiKey security schemes as openapi.yaml (FinicityAppKey,
  FinicityAppToken) in its own words, and the same CustomerId parameter:
  specmerge shares both instead of reporting a conflict.
- Names that collide across sections and with Go names: CustomerId,
  AccountId, ConsumerId and ReportId are schemas and parameters;
  TransactionCategory and WebhookEndpoint are parameters and request
  bodies; GetCustomerResponse and GetReportByIdResponse are response
  components, ListCustomersResponse, ListApplicationsResponse and
  GetInstitutionByIdResponse schemas, all named like generated client
  wrappers; Error, Client, Option, Secret, UUID, Version and
  ValidationError are schemas named like types of package api.
- Three error shapes: most services answer {Errors: {Error: [...]}}
  (ServiceErrorEnvelope), Payments {code, message} (NumericFault),
  Applications {error: {code, message}} (WrappedFault).
- application/pdf responses (type string, format binary): kin-openapi's
  openapi3filter has no body decoder registered for application/pdf, so
  validating such a response needs one (or the body skipped). text/plain
  and text/csv responses have decoders.
- Two responses that offer application/pdf and application/json
  (getTaxDocument, getTransferReceipt): the Accept header chooses.
- Properties that refer to a schema carry their own description next to
  the $ref: OpenAPI 3.0 ignores such siblings, a generator may still use
  them for the field's comment.
- A literal segment beside a parameter at the same place:
  .../statements/latest and .../statements/{statementId} (both GET), and
  /institution/v2/institutions/search (POST) beside
  /institution/v2/institutions/{institutionId}: routing must prefer the
  literal.

`
