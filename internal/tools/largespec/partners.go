package main

func contact(required bool) *Schema {
	mk := P
	if required {
		mk = R
	}
	return Obj("Who to contact about the application.",
		mk("firstName", Str("Given name, as written (accents such as “é” are kept).").Len(1, 64)),
		mk("lastName", Str("Family name.").Len(1, 64)),
		mk("email", Email("Address for questions about the application.")),
		P("phone", Str("Phone number in international form; null when none was given.").Null().Hints("+1-503-555-0142", null{})),
	)
}

func postalAddress(desc string) *Schema {
	return Obj(desc,
		R("line1", Str("First line of the street address.").Len(1, 128)),
		P("line2", Str("Second line, if any.").Null()),
		R("city", Str("City or locality.")),
		R("state", Str("State, province or region code.").Len(2, 3)),
		R("postalCode", Str("Postal code, with the spacing of the country.").Len(3, 10)),
		P("country", Str("ISO 3166-1 alpha-2 country code.").Enum("US", "CA", "MX").Default("US")),
	)
}

func (f *fixture) partners() {
	f.schema("PartnerApplication", Obj("An application the partner registered to reach institutions that require one.",
		P("applicationId", Str("Identifier assigned on registration.").RO()),
		R("appName", Str("Name end users see on consent screens.").Len(1, 120)),
		P("appDescription", Str("What the application does, in one or two sentences.\nShown to institution reviewers.").Len(0, 2000)),
		R("appUrl", URI("Public home page of the application.")),
		R("contact", contact(true)),
		P("addresses", Arr("Business addresses of the partner (one per country it operates in).", postalAddress("One address of the partner."))),
		P("status", Str("Registration state, set by the platform.").Enum("pending", "approved", "rejected").RO()),
		P("submittedDate", DateTime("When the application was registered.").RO()),
		P("clients", Arr("OAuth clients created for the application.", Ref("Client"))),
		P("logoUrl", URI("Square logo shown next to the name; null to use the default.").Null().Hint(null{})),
	).AutoEx())
	f.schema("PartnerSecretRotation", Obj("Replaces the partner secret. The old one stops working at once.",
		R("partnerId", Str("The partner's identifier from the developer dashboard.").Len(1, 64).Hint("1234583871234")),
		R("partnerSecret", Str("The current partner secret.").Len(1, 256)),
		R("newPartnerSecret", Str("The secret to use from now on: 12 to 256 characters, letters, digits and symbols.").Len(12, 256)),
	))
	f.schema("PartnerSettings", Obj("Settings that apply to every call of the partner.",
		P("partnerId", Str("The partner's identifier.").RO().Hint("1234583871234")),
		R("displayName", Str("Name of the partner in reports and e-mails.").Len(1, 120)),
		P("apiVersion", AllOf("The behaviour version the partner's calls get.", Ref("Version"))),
		P("webhookDefaults", Obj("Defaults for new webhook subscriptions.",
			P("retries", Int32("How many times a failed delivery is retried.").Min(0).Max(10).Default(3)),
			P("timeoutSeconds", Int32("How long a delivery may take before it counts as failed.").Min(1).Max(30)),
		)),
		P("featureFlags", Obj("Opt-in features by name.").Addl(Bool("Whether the feature is on.")).
			Hint(omap{{"statementsV2", true}, {"enrichment", false}})),
		P("limits", Obj("Request quotas per minute, by service.").Addl(Int32("Requests per minute.").Min(1))),
		P("metadata", Obj("Free-form values the partner stores with its settings; returned as sent.").Addl(true)),
	))
	f.schema("PartnerSettingsPatch", Obj("Fields of the settings to change; members not listed are kept. Unknown members are kept as metadata.",
		P("displayName", Str("New display name.").Len(1, 120)),
		P("webhookDefaults", Obj("New webhook defaults.",
			P("retries", Int32("Retries of a failed delivery.").Min(0).Max(10)),
		)),
	).Addl(true))
	f.schema("ClientTokenRequest", Obj("Credentials of an OAuth client, exchanged for an access token.",
		R("clientId", UUID("The client's identifier.")),
		R("clientSecret", Str("The client's secret, as issued when the client was created.").Len(16, 256)),
		P("scope", Arr("Scopes asked for; all the client may have when absent.", Str("One scope.").Enum("accounts.read", "transactions.read", "payments.write"))),
	))
	f.schema("ClientToken", Obj("An access token for an OAuth client.",
		R("accessToken", Str("The token to send as a bearer credential.")),
		R("tokenType", Str("How to send the token. Not a secret: always \"Bearer\".").Enum("Bearer").NotSecret()),
		R("expiresIn", Int32("Seconds until the token expires.").Min(1).Max(7200).Hint(3600)),
		P("issuedAt", DateTime("When the token was issued.")),
	))

	f.op(&Op{method: "post", path: "/aggregation/v2/partners/applications", id: "registerApplication", tags: []string{"Partners"},
		summary: "Register a partner application",
		desc: "Registers an application with the platform so that institutions requiring a registered application can be reached.\n\n" +
			"Registration is reviewed: the application starts as `pending`, and its status changes once institutions have approved it.",
		body: JBody(Ref("PartnerApplication"), exNamed),
		resps: responses([]*Resp{Ok(201, "The application as registered.", JSON(Ref("PartnerApplication"), exSingle))},
			stdErrors(400, 401, 409))})
	f.op(&Op{method: "get", path: "/aggregation/v2/partners/applications", id: "list_partner_applications", tags: []string{"Partners"},
		summary: "List the partner's applications",
		params:  paging(),
		resps: responses([]*Resp{Ok(200, "The applications, newest first.", JSON(Obj("A page of applications.",
			R("found", Int32("How many applications exist.").Min(0)),
			R("applications", Arr("The applications of this page.", Ref("PartnerApplication"))),
		), exSingle))}, stdErrors(401))})
	appID := PathParam("applicationId", "Identifier of the partner application.", Str("").Len(1, 64))
	f.op(&Op{method: "get", path: "/aggregation/v2/partners/applications/{applicationId}", id: "getPartnerApplicationById", tags: []string{"Partners"},
		summary: "Get one partner application", params: []*Param{appID},
		resps: responses([]*Resp{Ok(200, "The application.", JSON(Ref("PartnerApplication"), exNone))}, stdErrors(401, 404))})
	f.op(&Op{method: "put", path: "/aggregation/v2/partners/applications/{applicationId}", id: "updatePartnerApplication", tags: []string{"Partners"},
		summary: "Replace a partner application",
		desc:    "Replaces the application's details. A change to an approved application sends it back to review.",
		params:  []*Param{appID},
		body:    JBody(Ref("PartnerApplication"), exNone),
		resps: responses([]*Resp{
			Ok(200, "The application; it was not approved yet, so it stays in its state.", JSON(Ref("PartnerApplication"), exNone)),
			Ok(202, "The application was approved: the change is accepted and goes to review.", JSON(Obj("The review the change started.",
				R("reviewId", UUID("Identifier of the review.")),
				P("expectedDate", Date("When a decision is expected.")),
			), exSingle)),
		}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "delete", path: "/aggregation/v2/partners/applications/{applicationId}", id: "deletePartnerApplicationById", tags: []string{"Partners"},
		summary: "Delete a partner application", params: []*Param{appID},
		resps: responses([]*Resp{Ok(204, "Deleted.")}, stdErrors(401, 404))})
	f.op(&Op{method: "put", path: "/aggregation/v2/partners/secret", id: "rotatePartnerSecret", tags: []string{"Partners"},
		summary: "Rotate the partner secret",
		desc: "Sets a new partner secret.\n\n" +
			"The current secret must be sent with the new one. Tokens already issued stay valid until they expire; " +
			"the next authentication must use the new secret.",
		body:  JBody(Ref("PartnerSecretRotation"), exNone).Desc("The current and the new secret."),
		resps: responses([]*Resp{Ok(204, "The new secret is in effect.")}, stdErrors(400, 401))})
	f.op(&Op{method: "get", path: "/aggregation/v2/partners/settings", id: "getPartnerSettings", tags: []string{"Partners"},
		summary: "Get the partner settings",
		resps:   responses([]*Resp{Ok(200, "The settings.", JSON(Ref("PartnerSettings"), exSingle)).With(rl()...)}, stdErrors(401))})
	f.op(&Op{method: "patch", path: "/aggregation/v2/partners/settings", id: "patchPartnerSettings", tags: []string{"Partners"},
		summary: "Change some partner settings",
		body:    JBody(Ref("PartnerSettingsPatch"), exSingle),
		resps:   responses([]*Resp{Ok(200, "The settings after the change.", JSON(Ref("PartnerSettings"), exNone))}, stdErrors(400, 401))})
	f.op(&Op{method: "post", path: "/aggregation/v2/partners/oauth/token", id: "issueClientToken", tags: []string{"Partners"},
		summary: "Get an access token for an OAuth client",
		desc:    "Exchanges a client's credentials for an access token valid for at most two hours.",
		body:    JBody(Ref("ClientTokenRequest"), exSingle),
		resps:   responses([]*Resp{Ok(200, "A new access token.", JSON(Ref("ClientToken"), exSingle))}, stdErrors(400, 401))})
}
