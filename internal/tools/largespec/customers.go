package main

func (f *fixture) customers() {
	f.schema("Customer", Obj("A customer: an end user of the partner whose data is aggregated.",
		R("id", Ref("CustomerId").D("Identifier of the customer.")),
		R("username", Str("Unique name of the customer within the partner, chosen by the partner.").Len(6, 255).Hint("amelie.okafor")),
		P("firstName", Str("Given name, as the customer writes it: accents such as “é” are kept.").Len(1, 64)),
		P("lastName", Str("Family name.").Len(1, 64)),
		R("type", Str("active customers are billed; testing customers reach test institutions only.").Enum("active", "testing")),
		P("email", Email("Where the customer receives notices.")),
		P("phone", Str("Phone number; null when the customer gave none.").Null().Hints("+1-503-555-0142", null{})),
		P("createdDate", DateTime("When the customer was added.").RO()),
		P("address", Obj("Postal address of the customer.",
			P("line1", Str("Street address.")),
			P("city", Str("City.")),
			P("state", Str("State or province code.").Len(2, 3)),
			P("postalCode", Str("Postal code.").Len(3, 10)),
		)),
		P("applicationId", Str("The partner application the customer was added under; null for the default one.").Null().Hint(null{})),
		P("legacyId", StrInt64("Identifier of the customer in the platform's previous version: a 64-bit integer written as a string.").Hint("7008461438")),
		// Required, yet given no property schema, as published specs do.
		Undeclared("customerSince", "2019"),
	).AutoEx())
	f.schema("NewCustomer", Obj("A customer to add.",
		R("username", Str("Unique name within the partner: 6 to 255 characters.").Len(6, 255).Hint("jonas.lindqvist")),
		R("firstName", Str("Given name.").Len(1, 64)),
		R("lastName", Str("Family name.").Len(1, 64)),
		P("email", Email("Where the customer receives notices.")),
		P("phone", Str("Phone number in international form.")),
		P("applicationId", Str("Partner application to add the customer under.").Len(1, 64)),
	))
	f.schema("TestingCustomerRequest", Obj("A testing customer, who can only reach test institutions.",
		R("username", Str("Unique name within the partner.").Len(6, 255).Hint("test.customer.01")),
		R("firstName", Str("Given name.")),
		R("lastName", Str("Family name.")),
		P("password", Str("Password of the customer at the test institution, so that test logins succeed without a prompt.").Len(8, 128)),
	))
	f.schema("CustomerCreated", Obj("The identifier of a customer just added.",
		R("id", Ref("CustomerId").D("Identifier of the new customer.")),
		R("username", Str("The username it was added with.").Hint("jonas.lindqvist")),
		R("createdDate", DateTime("When it was added.")),
	))
	f.schema("CustomerUpdate", Obj("New values for a customer; members left out keep their value.",
		P("firstName", Str("Given name.").Len(1, 64)),
		P("lastName", Str("Family name.").Len(1, 64)),
		P("email", Email("Address for notices.")),
		P("phone", Str("Phone number; null removes it.").Null().Hint(null{})),
	))
	f.schema("ListCustomersResponse", Obj("A page of customers. (Named like the wrapper a generator makes for listCustomers.)",
		R("found", Int32("How many customers match.").Min(0)),
		R("displaying", Int32("How many are on this page.").Min(0)),
		R("moreAvailable", Bool("Whether another page follows.")),
		P("createdDate", DateTime("When this answer was computed.")),
		R("customers", Arr("The customers of this page.", Ref("Customer"))),
	))
	f.schema("CustomerProfile", AllOf("A customer with what is known of their activity.",
		Ref("Customer"),
		Obj("Activity of the customer.",
			R("institutionLoginCount", Int32("How many institution logins the customer has.").Min(0)),
			P("lastActivityDate", DateTime("Last time data of the customer was refreshed; null before the first.").Null()),
			P("segments", Arr("Marketing segments the partner assigned.", Str("One segment.").Enum("new", "engaged", "dormant"))),
		),
	))
	f.schema("ConsentRecord", Obj("A consent the customer gave, kept for audit.",
		R("consentType", Str("What was consented to.").Enum("dataSharing", "reportSharing", "payments")),
		R("grantedDate", DateTime("When the customer agreed.")),
		R("grantor", Obj("Who agreed: the customer, or someone acting for them.",
			R("firstName", Str("Given name of the person who agreed.")),
			R("lastName", Str("Family name.")),
			R("email", Email("Address the confirmation went to.")),
			P("relationship", Str("How the person relates to the customer.").Enum("self", "guardian", "attorney").Default("self")),
		)),
		R("scopes", Arr("Data covered by the consent.", Str("A kind of data.").Enum("accounts", "transactions", "statements", "identity")).MinItems(1)),
		P("expiresDate", Date("Last day the consent is valid; null when it lasts until revoked.").Null()),
		P("channel", Obj("Where the consent was collected.",
			R("kind", Str("The channel.").Enum("web", "mobile", "branch")),
			P("userAgent", Str("Browser or app that showed the consent screen, as its \"User-Agent\" header named it.")),
		)),
	))
	f.schema("InstitutionLogin", Obj("A set of credentials the customer entered at an institution, and the accounts it reaches.",
		R("institutionLoginId", Int64("Identifier of the login.").Min(1)),
		R("institutionId", Int64("The institution.").Min(1)),
		R("status", Str("Whether the platform can still log in.").Enum("ok", "credentialsExpired", "mfaRequired")),
		P("lastRefreshDate", DateTime("Last successful refresh; null when none succeeded yet.").Null().Hints("2024-03-02T08:15:00Z", null{})),
		P("accounts", Arr("Accounts reached through the login.", Obj("An account of the login.",
			R("accountId", Ref("AccountId").D("The account.")),
			P("displayName", Str("Name of the account at the institution.")),
		))),
	))

	tags := []string{"Customers"}
	cid := ParamRef("CustomerId")
	f.op(&Op{method: "get", path: "/aggregation/v1/customers", id: "listCustomers", tags: tags,
		summary: "List customers",
		desc: "Lists the partner's customers, optionally narrowed by a search.\n\n" +
			"The search matches usernames, first and last names; `username` matches one username exactly.",
		params: append(paging(),
			ParamRef("SearchText"),
			Query("username", "Only the customer with exactly this username.", Str("").Len(6, 255)),
			Query("type", "Only customers of this type.", Str("").Enum("active", "testing")),
		),
		resps: responses([]*Resp{Ok(200, "A page of customers.", JSON(Ref("ListCustomersResponse"), exSingle)).With(rl()...)}, stdErrors(400, 401))})
	f.op(&Op{method: "post", path: "/aggregation/v2/customers", id: "createCustomer", tags: tags,
		summary: "Add a customer",
		desc:    "Adds an active customer. Active customers are billed once they have connected an institution.",
		body:    JBody(Ref("NewCustomer"), exNamedRef),
		resps:   responses([]*Resp{Ok(201, "The new customer.", JSON(Ref("CustomerCreated"), exSingle))}, stdErrors(400, 401, 409))})
	f.op(&Op{method: "post", path: "/aggregation/v2/customers/testing", id: "create_testing_customer", tags: tags,
		summary: "Add a testing customer",
		body:    JBody(Ref("TestingCustomerRequest"), exSingle),
		resps:   responses([]*Resp{Ok(201, "The new testing customer.", JSON(Ref("CustomerCreated"), exNone))}, stdErrors(400, 401, 409))})
	f.response("GetCustomerResponse", &Resp{desc: "The customer. (A response component named like the wrapper a generator makes for getCustomer.)",
		headers: []respHeader{{name: "X-RateLimit-Remaining", ref: "RateLimitRemaining"}},
		media:   []Media{JSON(Ref("Customer"), exSingle)}})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}", id: "getCustomer", tags: tags,
		summary: "Get a customer", params: []*Param{cid},
		resps: responses([]*Resp{RespRef(200, "GetCustomerResponse")}, stdErrors(401, 404))})
	f.op(&Op{method: "put", path: "/aggregation/v1/customers/{customer_id}", id: "updateCustomer", tags: tags,
		summary: "Change a customer", params: []*Param{cid},
		body:  JBody(Ref("CustomerUpdate"), exNamed),
		resps: responses([]*Resp{Ok(204, "Changed.")}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "delete", path: "/aggregation/v1/customers/{customer_id}", id: "deleteCustomerById", tags: tags,
		summary: "Delete a customer",
		desc:    "Deletes the customer with their accounts, transactions and reports. Billing stops the same day.\n\nThis cannot be undone.",
		params:  []*Param{cid},
		resps:   responses([]*Resp{Ok(204, "Deleted.")}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/applications", id: "listCustomerApplications", tags: tags,
		summary: "List the applications a customer was added under",
		params:  []*Param{cid},
		resps: responses([]*Resp{Ok(200, "The applications, as a plain array.", JSON(Arr("", Obj("An application the customer is linked to.",
			R("applicationId", Str("The application.").Hint("app-20240108-0042")),
			R("status", Str("State of the link.").Enum("linked", "unlinked")),
			P("linkedDate", Date("When the customer was linked.")),
		)), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/institution-logins", id: "list_customer_institution_logins", tags: tags,
		summary: "List a customer's institution logins",
		params:  []*Param{cid, ParamRef("RequestTrace")},
		resps: responses([]*Resp{Ok(200, "The logins.", JSON(Obj("The logins of the customer.",
			R("institutionLogins", Arr("One entry per login.", Ref("InstitutionLogin"))),
		), exNamed))}, stdErrors(401, 404))})
	f.op(&Op{method: "delete", path: "/aggregation/v1/customers/{customer_id}/institution-logins/{institutionLoginId}", id: "deleteCustomerInstitutionLogin", tags: tags,
		summary: "Delete an institution login",
		desc:    "Deletes the login and every account reached only through it.",
		params:  []*Param{cid, PathParam("institutionLoginId", "Identifier of the login.", Int64("").Min(1))},
		resps:   responses([]*Resp{Ok(204, "Deleted.")}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/profile", id: "getCustomerProfile", tags: tags,
		summary: "Get a customer with their activity", params: []*Param{cid},
		resps: responses([]*Resp{Ok(200, "The profile.", JSON(Ref("CustomerProfile"), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "put", path: "/aggregation/v1/customers/{customer_id}/consent", id: "recordCustomerConsent", tags: tags,
		summary: "Record a consent of the customer",
		desc: "Records that the customer agreed to share data.\n\n" +
			"A consent of the same type replaces the previous one; the previous one stays in the audit trail.",
		params: []*Param{cid},
		body:   JBody(Ref("ConsentRecord"), exNamed).Desc("The consent, with who gave it."),
		resps: responses([]*Resp{
			Ok(201, "The first consent of this type.", JSON(Ref("ConsentRecord"), exNone)),
			Ok(200, "A consent of this type existed and was replaced.", JSON(Obj("The replacement.",
				R("replacedDate", DateTime("When the previous consent was replaced.")),
				R("consent", Ref("ConsentRecord").D("The consent now in effect.")),
			), exNone)),
		}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/export", id: "export_customer_data", tags: tags,
		summary: "Export a customer's data as CSV",
		params:  []*Param{cid, Query("sections", "Sections to include; all when absent.", Arr("", Str("").Enum("accounts", "transactions", "consents"))).Form()},
		resps: responses([]*Resp{Ok(200, "One CSV file, sections one after the other.", Media{mediaType: "text/csv", schema: Str(""), mode: exSingle,
			value: "section,id,name,amount\naccounts,6001234567,Everyday Checking,1520.33\ntransactions,5000007919,Café Lumière,-4.75\n"})},
			stdErrors(401, 404))})
}
