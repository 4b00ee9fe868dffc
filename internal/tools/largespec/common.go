package main

import "strconv"

// build assembles the whole fixture.
func build() *fixture {
	f := &fixture{}
	f.tags = []tagDef{
		{"Partners", "Settings of the partner itself: its registered applications, its OAuth clients and the rotation of its secret."},
		{"Applications", "Applications a partner files to reach institutions, and their registration with each institution.\nEvery error of this service is an object with an `error` member."},
		{"Customers", "Customers: the end users a partner aggregates data for, their consents and institution logins."},
		{"Consumers", "Consumers: the person behind a customer as a consumer-reporting agency knows them, and their disputes."},
		{"Accounts", "Accounts a customer holds at an institution: details, owners, balances and refreshes."},
		{"Institutions", "Financial institutions: search, capabilities, login fields, branding and status."},
		{"Transactions", "Transactions of accounts: listing, categories, enrichment, splits and exports."},
		{"Statements", "Statement and tax documents, as PDF files or as data."},
		{"Reports", "Verification reports (assets, income, employment, cash flow) built from aggregated data."},
		{"Payments", "Account details for payments, transfers, mandates and payees.\nErrors of this service are a numeric code and a message."},
		{"Notifications", "Webhook subscriptions and the events delivered to them."},
	}
	f.common()
	f.partners()
	f.applications()
	f.customers()
	f.consumers()
	f.accounts()
	f.institutions()
	f.transactions()
	f.statements()
	f.reports()
	f.payments()
	f.notifications()
	return f
}

// common defines the components every service uses.
func (f *fixture) common() {
	// The same definition as the project's openapi.yaml gives its
	// CustomerId parameter: the merge shares identical components, so the
	// fixture reuses it instead of colliding with it.
	f.param("CustomerId", &Param{name: "customer_id", in: "path", required: true,
		desc: "Unique identifier of the customer", schema: &Schema{typ: "string", minLen: -1, maxLen: -1}, example: "1005061234"})
	f.param("AccountId", PathParam("accountId", "Identifier of the account, unique within the partner.",
		Int64("").Min(1).Hint(int64(6001234567))))
	f.param("ConsumerId", PathParam("consumerId", "Identifier of the consumer: 32 lower-case hexadecimal digits.",
		Str("").Pat("^[a-f0-9]{32}$").Hint("0bf46322c167b562e6cbed9d40e19a4c")))
	f.param("ReportId", PathParam("reportId", "Identifier of a report, as returned when it was requested.",
		Str("").Pat("^[a-z0-9-]{8,40}$").Hint("r7n2k4x9p0qa")))
	for _, name := range []string{"CustomerId", "AccountId", "ConsumerId", "ReportId"} {
		pathParamComponents[name] = true
	}
	f.param("StartIndex", Query("start", "Index of the first result to return, from 1.", Int32("").Min(1).Default(1)).WithExample())
	f.param("PageLimit", Query("limit", "Most results to return in one page.", Int32("").Min(1).Max(1000).Default(25)).WithExample())
	f.param("SearchText", Query("search", "Text to look for. Words are matched separately; `*` is not a wildcard.", Str("").Len(1, 256)))
	f.param("FromDate", Query("fromDate", "First day included, in the partner's time zone.", Date("")))
	f.param("ToDate", Query("toDate", "Last day included, in the partner's time zone.", Date("")))
	f.param("TransactionCategory", Query("category", "Only transactions of this category (its code, as listed by the categories operation).", Str("").Len(1, 64)))
	f.param("WebhookEndpoint", Query("endpoint", "Only subscriptions delivering to this URL.", URI("")))
	f.param("RequestTrace", Header("Partner-Request-Id", "A value of the partner's choosing, echoed in logs on both sides to trace one request.", UUID("")))
	f.param("AcceptLanguage", Header("Accept-Language", "Language of the texts in the answer.", Str("").Enum("en", "fr", "es").Default("en")))

	f.header("RateLimitRemaining", HeaderDef{"Requests left in the current one-minute window.", Int32("").Min(0)})
	f.header("RateLimitReset", HeaderDef{"When the current rate-limit window ends.", DateTime("")})

	f.schema("UUID", UUID("A universally unique identifier in its canonical 36-character form.").Len(36, 36).AutoEx())
	f.schema("CustomerId", Str("Identifier of a customer: up to 20 decimal digits, sent as a string so that no client rounds it.").
		Pat("^[0-9]{1,20}$").Hint("1005061234").Ex("1005061234"))
	f.schema("AccountId", Str("Identifier of an account as a string of digits (path parameters carry the same value as an integer).").
		Pat("^[0-9]{1,20}$").Hint("6001234567"))
	f.schema("ConsumerId", Str("Identifier of a consumer: 32 lower-case hexadecimal digits.").
		Pat("^[a-f0-9]{32}$").Hint("0bf46322c167b562e6cbed9d40e19a4c"))
	f.schema("ReportId", Str("Identifier of a report.").Pat("^[a-z0-9-]{8,40}$").Hint("r7n2k4x9p0qa").Ex("r7n2k4x9p0qa"))
	f.schema("Version", Obj("A version of the platform's behaviour that a partner is pinned to.",
		R("major", Int32("Major number: a change here may break a client.").Min(1).Hint(4)),
		R("minor", Int32("Minor number: additions only.").Min(0).Hint(2)),
		P("label", Str("Human-readable name of the version, e.g. \"4.2 (spring)\".").Hint("4.2 (spring)")),
		P("releasedDate", Date("Day the version became the default.")),
	).AutoEx())
	f.schema("Error", Obj("The error member of a failed Applications call.",
		R("code", Str("Stable, machine-readable code, e.g. \"application.not_found\".").Len(1, 64).Hint("application.invalid")),
		R("message", Str("What went wrong, in \"plain\" English: never shown to end users as is.")),
		P("fields", Arr("The fields that failed validation, when the request was refused for them.", Ref("ValidationError"))),
	))
	f.schema("ValidationError", Obj("One field of a request that failed validation.",
		R("field", Str("JSON pointer of the field in the request body, or the parameter's name.").Hint("/owner/email")),
		R("reason", Str("Why the value was refused.").Hint("must be an email address")),
	).AutoEx())
	f.schema("Client", Obj("An OAuth client of a partner application.",
		P("clientId", UUID("Identifier the client sends with its credentials.").RO()),
		R("clientName", Str("Name shown to end users on the consent screen.").Len(1, 80)),
		R("redirectUris", Arr("Where end users may be sent back to after granting consent.", URI(""))),
		P("createdDate", DateTime("When the client was created.").RO()),
	))
	f.schema("Option", Obj("One choice of a login field that offers a closed list.",
		R("value", Str("Value to send back when this choice is picked.")),
		R("label", Str("Text to show for this choice.")),
		P("selected", Bool("Whether this choice is preselected.").Default(false)),
	))
	f.schema("Secret", Obj("Metadata of a webhook signing secret (the secret itself is never returned after creation).",
		P("secretId", UUID("Identifier of the secret.").RO()),
		R("fingerprint", Str("Last eight hexadecimal digits of the secret's SHA-256, to tell secrets apart.").Pat("^[A-F0-9]{8}$").Hint("9C41E07B")),
		P("createdDate", DateTime("When the secret was created.")),
		P("expiresDate", Date("Last day the secret signs deliveries; null when it does not expire.").Null().Hints("2025-06-30", null{})),
	).AutoEx())

	// The usual error object, modelled on the project's ErrorResponse
	// under names of its own.
	f.schema("ServiceErrorEnvelope", Obj("The body of an error answer of most services (note the capitalised member names).",
		R("Errors", Ref("ServiceErrorList").D("The errors, wrapped once more.")),
	))
	f.schema("ServiceErrorList", Obj("The list of errors of an error answer.",
		R("Error", Arr("One entry per problem found.", Ref("ServiceErrorEntry"))),
	))
	f.schema("ServiceErrorEntry", Obj("One problem found with a request.",
		P("Source", Str("The component that found the problem.")),
		P("ReasonCode", Str("Stable code of the problem, a string of digits.").Pat("^[0-9]+$").Hint("10010")),
		P("Description", Str("Short description of the code.")),
		P("Recoverable", Bool("true when the same request may succeed later.")),
		P("Details", Str("What the server received that it refused.")),
	))
	// The two other error shapes.
	f.schema("NumericFault", Obj("An error of the Payments service: a numeric code and a message.",
		R("code", Int32("Numeric code of the problem; 1xxxx are request problems, 2xxxx account problems.").Min(10000).Max(29999).Hint(10211)),
		R("message", Str("Description of the problem.")),
	).AutoEx())
	f.schema("WrappedFault", Obj("An error of the Applications service.",
		R("error", Ref("Error").D("The error itself.")),
	))

	stdError := func(code, desc, details string) Media {
		return Media{mediaType: "application/json", schema: Ref("ServiceErrorEnvelope"), mode: exSingle, value: omap{
			{"Errors", omap{{"Error", []any{omap{
				{"Source", "partner-data-platform"}, {"ReasonCode", code}, {"Description", desc},
				{"Recoverable", false}, {"Details", details},
			}}}}},
		}}
	}
	f.response("StdBadRequest", &Resp{desc: "The request was refused: a parameter or a field of the body is not valid.",
		media: []Media{stdError("10010", "A request parameter could not be validated.", "limit must be at most 1000.")}})
	f.response("StdUnauthorized", &Resp{desc: "The Finicity-App-Key or the Finicity-App-Token is missing, expired or not valid.",
		media: []Media{stdError("10023", "Expired token.", "Authenticate again for a new token.")}})
	f.response("StdNotFound", &Resp{desc: "Nothing exists under that identifier for this partner.",
		media: []Media{stdError("4041", "The requested entity was not found.", "No entity with that identifier.")}})
	f.response("StdConflict", &Resp{desc: "The request conflicts with the current state of the resource.",
		media: []Media{{mediaType: "application/json", schema: Ref("ServiceErrorEnvelope")}}})

	payError := func(code int, msg string) Media {
		return Media{mediaType: "application/json", schema: Ref("NumericFault"), mode: exSingle, value: omap{{"code", code}, {"message", msg}}}
	}
	f.response("PaymentBadRequest", &Resp{desc: "The payment request was refused.", media: []Media{payError(10211, "amount must be positive")}})
	f.response("PaymentUnauthorized", &Resp{desc: "Missing or expired credentials.", media: []Media{payError(10401, "token expired")}})
	f.response("PaymentNotFound", &Resp{desc: "No such payment resource.", media: []Media{payError(20404, "transfer not found")}})

	appError := func(code, msg string) Media {
		return Media{mediaType: "application/json", schema: Ref("WrappedFault"), mode: exSingle, value: omap{{"error", omap{{"code", code}, {"message", msg}}}}}
	}
	f.response("ApplicationBadRequest", &Resp{desc: "The application data was refused.", media: []Media{appError("application.invalid", "owner.email is not an email address")}})
	f.response("ApplicationUnauthorized", &Resp{desc: "Missing or expired credentials.", media: []Media{appError("auth.expired", "the token has expired")}})
	f.response("ApplicationNotFound", &Resp{desc: "No application under that identifier.", media: []Media{{mediaType: "application/json", schema: Ref("WrappedFault")}}})
}

// Error responses of each family, by status.
func stdErrors(codes ...int) []*Resp {
	return errorRefs(map[int]string{400: "StdBadRequest", 401: "StdUnauthorized", 404: "StdNotFound", 409: "StdConflict"}, codes)
}

func payErrors(codes ...int) []*Resp {
	return errorRefs(map[int]string{400: "PaymentBadRequest", 401: "PaymentUnauthorized", 404: "PaymentNotFound"}, codes)
}

func appErrors(codes ...int) []*Resp {
	return errorRefs(map[int]string{400: "ApplicationBadRequest", 401: "ApplicationUnauthorized", 404: "ApplicationNotFound"}, codes)
}

func errorRefs(names map[int]string, codes []int) []*Resp {
	var out []*Resp
	for _, c := range codes {
		name, ok := names[c]
		if !ok {
			panic("no error response for " + strconv.Itoa(c))
		}
		out = append(out, RespRef(c, name))
	}
	return out
}

func paging() []*Param { return []*Param{ParamRef("StartIndex"), ParamRef("PageLimit")} }

// responses joins success and error responses.
func responses(ok []*Resp, errs []*Resp) []*Resp { return append(ok, errs...) }

func JBody(s *Schema, mode exampleMode) *Body {
	return &Body{required: true, media: []Media{JSON(s, mode)}}
}

func (b *Body) Optional() *Body     { b.required = false; return b }
func (b *Body) Desc(d string) *Body { b.desc = d; return b }
func rl() []respHeader {
	return []respHeader{{name: "X-RateLimit-Remaining", ref: "RateLimitRemaining"}, {name: "X-RateLimit-Reset", ref: "RateLimitReset"}}
}
