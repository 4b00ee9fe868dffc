package main

func (f *fixture) institutions() {
	capability := Str("A capability.").Enum("transactions", "ach", "statements", "voa", "voi", "accountOwner", "liveBalance")
	f.schema("InstitutionBranding", Obj("Images and colours of an institution.",
		P("logo", URI("Logo, at least 240 pixels wide.")),
		P("alternateLogo", URI("Logo for dark backgrounds; null when there is none.").Null().Hint(null{})),
		P("icon", URI("Square icon.")),
		P("primaryColor", Str("Main colour as #RRGGBB.").Pat("^#[0-9A-F]{6}$").Hint("#1A4D8F")),
		P("tile", URI("Image for tiles in an institution picker.")),
	))
	f.schema("Institution", Obj("A financial institution that can be connected to.",
		R("id", Int64("Identifier of the institution.").Min(1).Hint(int64(102105))),
		R("name", Str("Name of the institution.").Hint("Harbor Community Bank")),
		P("transAgg", Bool("Whether transactions can be aggregated.")),
		P("ach", Bool("Whether ACH details can be read.")),
		P("stateAgg", Bool("Whether statements can be read.")),
		P("oauthEnabled", Bool("Whether the institution logs users in through OAuth rather than a login form.")),
		P("urlHomeApp", URI("Home page of the institution.")),
		P("urlLogonApp", URI("Where its customers log in.")),
		P("phone", Str("Customer service phone number.")),
		P("currency", Str("Currency of its accounts.").Len(3, 3).Hint("USD")),
		P("email", Email("Customer service address.")),
		P("specialText", Str("Text to show before the login form, as provided by the institution.\n"+
			"It is plain text: a `<b>` stays literally `<b>`, and sequences such as */ are not special.")),
		P("address", Obj("Address of the head office.",
			P("addressLine1", Str("Street address.")),
			P("city", Str("City.")),
			P("state", Str("State or province.")),
			P("postalCode", Str("Postal code.")),
			P("country", Str("Country name, e.g. “Canada” or “México”.").Hint("México")),
		)),
		P("capabilities", Arr("What can be done with the institution.", capability)),
		P("branding", Ref("InstitutionBranding").D("Images and colours.")),
	))
	f.schema("InstitutionList", Obj("A page of institutions.",
		R("found", Int32("How many institutions match.").Min(0)),
		R("displaying", Int32("How many are on this page.").Min(0)),
		R("moreAvailable", Bool("Whether another page follows.")),
		P("createdDate", DateTime("When this answer was computed.")),
		R("institutions", Arr("The institutions.", Ref("Institution"))),
	))
	f.schema("GetInstitutionByIdResponse", Obj("One institution. (Named like the wrapper a generator makes for getInstitutionById.)",
		R("institution", Ref("Institution").D("The institution.")),
	))
	f.schema("LoginField", Obj("One field of an institution's login form.",
		R("id", Str("Identifier of the field, to send back with its value.").Hint("field-101")),
		R("name", Str("Name of the field at the institution.").Hint("username")),
		P("label", Str("Label to show.")),
		R("displayOrder", Int32("Position in the form, from 1.").Min(1).Max(20)),
		P("mask", Bool("Whether the value is hidden while typed.")),
		P("instructions", Str("Help text to show under the field; null when none.").Null()),
		P("valueLengthMin", Int32("Shortest value accepted.").Min(0)),
		P("valueLengthMax", Int32("Longest value accepted.").Min(1)),
		P("options", Arr("Choices, for a field that offers a closed list.", Ref("Option"))),
	))
	f.schema("RoutingNumberLookup", Obj("What a routing number designates.",
		R("routingNumber", Str("The routing number looked up.").Pat("^[0-9]{9}$").Hint("021000021")),
		P("institutionId", Int64("The institution, when it can be connected to; null otherwise.").Min(1).Null().Hints(int64(102105), null{})),
		R("bankName", Str("Name of the bank as the routing directory has it.").Hint("Harbor Community Bank")),
		P("achEligible", Bool("Whether ACH transfers may use it.")),
	))
	f.schema("RoutingNumberReplacement", Obj("A routing number that was retired, and the one that replaced it.",
		R("routingNumber", Str("The routing number looked up.").Pat("^[0-9]{9}$").Hint("011000015")),
		R("replacedBy", Str("The routing number to use instead.").Pat("^[0-9]{9}$").Hint("021000021")),
		P("retiredDate", Date("When it was retired.")),
	))
	f.schema("InstitutionSearch", Obj("Criteria of an institution search; every member narrows the result.",
		P("keywords", Arr("Words to look for in names and web addresses.", Str("A word.").Len(1, 64))),
		P("capabilities", Arr("Capabilities every result must have.", capability)),
		P("countries", Arr("Countries to look in.", Str("ISO 3166-1 alpha-2 code.").Enum("US", "CA", "MX"))),
		P("includeTest", Bool("Whether test institutions are included.").Default(false)),
	))

	tags := []string{"Institutions"}
	inst := PathParam("institutionId", "Identifier of the institution.", Int64("").Min(1).Hint(int64(102105)))
	f.op(&Op{method: "get", path: "/institution/v2/institutions", id: "listInstitutions", tags: tags,
		summary: "Search institutions",
		desc: "Lists institutions, optionally narrowed by a search and by capabilities.\n\n" +
			"Results are sorted by relevance when searching, by name otherwise.",
		params: append(paging(),
			ParamRef("SearchText"),
			Query("capabilities", "Only institutions with all of these capabilities.", Arr("", capability)).Form(),
			Query("country", "Only institutions of this country.", Str("").Enum("US", "CA", "MX")),
			Query("oauthOnly", "Only institutions that use OAuth.", Bool("")),
			ParamRef("AcceptLanguage"),
		),
		resps: responses([]*Resp{Ok(200, "A page of institutions.", JSON(Ref("InstitutionList"), exSingle)).With(rl()...)}, stdErrors(400, 401))})
	f.op(&Op{method: "get", path: "/institution/v2/institutions/{institutionId}", id: "getInstitutionById", tags: tags,
		summary: "Get an institution", params: []*Param{inst},
		resps: responses([]*Resp{Ok(200, "The institution.", JSON(Ref("GetInstitutionByIdResponse"), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/institution/v2/institutions/{institutionId}/branding", id: "get_institution_branding", tags: tags,
		summary: "Get the branding of an institution", params: []*Param{inst},
		resps: responses([]*Resp{Ok(200, "Images and colours.", JSON(Ref("InstitutionBranding"), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/institution/v2/institutions/{institutionId}/certifications", id: "listInstitutionCertifications", tags: tags,
		summary: "List what the institution is certified for", params: []*Param{inst},
		resps: responses([]*Resp{Ok(200, "The certifications, as a plain array.", JSON(Arr("", Obj("One certification.",
			R("product", Str("The product certified.").Enum("aggregation", "payments", "decisioning")),
			R("certifiedDate", Date("When it was certified.")),
			P("status", Str("Whether the certification holds.").Enum("active", "suspended")),
		)), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/institution/v2/institutions/{institutionId}/login-fields", id: "listInstitutionLoginFields", tags: tags,
		summary: "List the fields of an institution's login form", params: []*Param{inst, ParamRef("AcceptLanguage")},
		resps: responses([]*Resp{Ok(200, "The fields, in display order.", JSON(Arr("", Ref("LoginField")), exNamed))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/institution/v2/institutions/{institutionId}/status", id: "getInstitutionStatus", tags: tags,
		summary: "Get whether an institution is reachable",
		desc:    "Answers one word as plain text: `up`, `degraded` or `down`.",
		params:  []*Param{inst},
		resps: responses([]*Resp{Ok(200, "The state.", Media{mediaType: "text/plain", schema: Str("").Enum("up", "degraded", "down"), mode: exSingle})},
			stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/institution/v2/certified-institutions", id: "listCertifiedInstitutions", tags: tags,
		summary: "List institutions certified for a product",
		params: append([]*Param{
			Query("product", "The product.", Str("").Enum("aggregation", "payments", "decisioning")).Req(),
			ParamRef("SearchText"),
		}, paging()...),
		resps: responses([]*Resp{Ok(200, "A page of institutions.", JSON(Ref("InstitutionList"), exNone))}, stdErrors(400, 401))})
	f.op(&Op{method: "get", path: "/institution/v2/routing-numbers/{routingNumber}", id: "lookup_routing_number", tags: tags,
		summary: "Look up a routing number",
		params:  []*Param{PathParam("routingNumber", "A nine-digit ABA routing number.", Str("").Pat("^[0-9]{9}$").Hint("021000021"))},
		resps: responses([]*Resp{Ok(200, "What it designates, or what replaced it when it was retired (a number retired and reused is both).",
			JSON(AnyOf("", Ref("RoutingNumberLookup"), Ref("RoutingNumberReplacement")), exNamed))}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "post", path: "/institution/v2/institutions/search", id: "searchInstitutions", tags: tags,
		summary: "Search institutions with structured criteria",
		body:    JBody(Ref("InstitutionSearch"), exNone).Optional().Desc("The criteria; an empty or absent body lists every institution."),
		params:  paging(),
		resps:   responses([]*Resp{Ok(200, "A page of institutions.", JSON(Ref("InstitutionList"), exNone))}, stdErrors(400, 401))})
	f.op(&Op{method: "get", path: "/institution/v2/institutions/{institutionId}/maintenance", id: "getInstitutionMaintenanceWindows", tags: tags,
		summary: "List planned maintenance of an institution",
		params:  []*Param{inst, ParamRef("FromDate"), ParamRef("ToDate")},
		resps: responses([]*Resp{Ok(200, "The windows, as a plain array.", JSON(Arr("", Obj("One maintenance window.",
			R("startsAt", DateTime("Start of the window.")),
			R("endsAt", DateTime("End of the window.")),
			P("reason", Str("Why, as the institution put it.")),
		)), exSingle))}, stdErrors(401, 404))})
}
