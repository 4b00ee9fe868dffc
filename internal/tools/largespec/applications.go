package main

func (f *fixture) applications() {
	owner := func(required bool) *Schema {
		mk := P
		if required {
			mk = R
		}
		return Obj("The company that owns the application.",
			mk("companyName", Str("Legal name of the company.").Len(1, 200)),
			mk("email", Email("Address reviewers write to.")),
			P("website", URI("The company's public web site.")),
		)
	}
	f.schema("Application", Obj("An application filed to reach institutions, with its review state.",
		P("id", Str("Identifier of the application.").RO().Hint("app-20240108-0042")),
		R("applicationName", Str("Name of the application.").Len(1, 120)),
		R("kind", Str("What the application is for.").Enum("aggregation", "payments", "decisioning")),
		P("status", Str("Review state.").Enum("draft", "submitted", "approved", "rejected").RO()),
		R("owner", owner(true)),
		P("institutions", Arr("Institutions the application asks to reach, with the state of each.", Obj("One institution asked for.",
			R("institutionId", Int64("Identifier of the institution.").Min(1)),
			P("status", Str("State at this institution.").Enum("requested", "granted", "denied")),
		))),
		P("notes", Str("Notes for reviewers; null when there are none.").Null().Hints("Needs only read access.", null{})),
		P("createdDate", DateTime("When the application was created.").RO()),
		P("updatedDate", DateTime("When it last changed.").RO()),
	))
	f.schema("ApplicationDraft", Obj("A new application, saved as a draft.",
		R("applicationName", Str("Name of the application.").Len(1, 120)),
		R("kind", Str("What the application is for.").Enum("aggregation", "payments", "decisioning")),
		R("owner", owner(true)),
		P("institutionIds", Arr("Institutions to ask for.", Int64("An institution's identifier.").Min(1))),
	))
	f.schema("ApplicationPatch", Obj("Fields of an application to change.",
		P("applicationName", Str("New name.").Len(1, 120)),
		P("owner", owner(false)),
		P("notes", Str("New notes; null removes them.").Null().Hint(null{})),
	))
	f.schema("ApplicationSubmission", Obj("An application that had already been submitted.",
		R("applicationId", Str("Identifier of the application.").Hint("app-20240108-0042")),
		R("submittedDate", DateTime("When it was submitted.")),
		P("reviewEta", Date("When a decision is expected.")),
	))
	f.schema("SubmissionAck", Obj("A submission accepted for review.",
		R("trackingId", Ref("UUID").D("Identifier to quote when asking about the review.")),
		R("status", Str("Always queued on acceptance.").Enum("queued")),
	).AutoEx())
	f.schema("ApplicationStatus", Obj("Review state of an application and how it got there.",
		R("applicationId", Str("Identifier of the application.").Hint("app-20240108-0042")),
		R("status", Str("Current state.").Enum("draft", "submitted", "approved", "rejected")),
		P("history", Arr("Each change of state, oldest first.", Obj("One change of state.",
			R("status", Str("State entered.").Enum("draft", "submitted", "approved", "rejected")),
			R("changedDate", DateTime("When.")),
			P("comment", Str("Reviewer's comment; null when none.").Null().Hint(null{})),
		))),
	))
	f.schema("InstitutionRegistration", Obj("The registration of an application with one institution.",
		P("registrationId", Int64("Identifier of the registration.").RO().Min(1)),
		R("applicationId", Str("The application registered.").Hint("app-20240108-0042")),
		R("institutionId", Int64("The institution.").Min(1)),
		P("state", Str("Where the registration stands.").Enum("requested", "active", "revoked").RO()),
		P("requestedDate", Date("When it was requested.")),
	))
	f.schema("InstitutionRegistrationRequest", Obj("Registers an application with institutions.",
		R("applicationId", Str("The application to register.").Hint("app-20240108-0042")),
		R("institutionIds", Arr("The institutions, at least one.", Int64("An institution's identifier.").Min(1)).MinItems(1)),
	))
	f.schema("ListApplicationsResponse", Obj("A page of applications. (Named like the wrapper a generator makes for list_applications.)",
		R("found", Int32("How many applications match.").Min(0)),
		R("displaying", Int32("How many are on this page.").Min(0)),
		R("moreAvailable", Bool("Whether another page follows.")),
		R("applications", Arr("The applications.", Ref("Application"))),
	))

	tags := []string{"Applications"}
	id := PathParam("applicationId", "Identifier of the application.", Str("").Len(1, 64).Hint("app-20240108-0042"))
	f.op(&Op{method: "get", path: "/applications", id: "list_applications", tags: tags,
		summary: "List applications",
		params:  append(paging(), Query("status", "Only applications in this state.", Str("").Enum("draft", "submitted", "approved", "rejected"))),
		resps:   responses([]*Resp{Ok(200, "A page of applications.", JSON(Ref("ListApplicationsResponse"), exSingle))}, appErrors(400, 401))})
	f.op(&Op{method: "post", path: "/applications", id: "createApplication", tags: tags,
		summary: "Create an application",
		desc:    "Saves a new application as a draft. Nothing is sent to institutions until it is submitted.",
		body:    JBody(Ref("ApplicationDraft"), exNamed),
		resps:   responses([]*Resp{Ok(201, "The draft.", JSON(Ref("Application"), exSingle))}, appErrors(400, 401))})
	f.op(&Op{method: "get", path: "/applications/{applicationId}", id: "getApplicationById", tags: tags,
		summary: "Get an application", params: []*Param{id},
		resps: responses([]*Resp{Ok(200, "The application.", JSON(Ref("Application"), exNone))}, appErrors(401, 404))})
	f.op(&Op{method: "patch", path: "/applications/{applicationId}", id: "patch_application", tags: tags,
		summary: "Change an application", params: []*Param{id},
		body:  JBody(Ref("ApplicationPatch"), exNamed),
		resps: responses([]*Resp{Ok(200, "The application after the change.", JSON(Ref("Application"), exSingle))}, appErrors(400, 401, 404))})
	f.op(&Op{method: "post", path: "/applications/{applicationId}/submissions", id: "submitApplication", tags: tags,
		summary: "Submit an application for review",
		desc: "Submits a draft for review.\n\n" +
			"Submitting twice is harmless: an application already submitted answers 200 with the first submission; " +
			"a draft answers 202 once it is queued for review.",
		params: []*Param{id},
		resps: responses([]*Resp{
			Ok(200, "Already submitted: the earlier submission.", JSON(Ref("ApplicationSubmission"), exSingle)),
			Ok(202, "Queued for review.", JSON(Ref("SubmissionAck"), exNone)),
		}, appErrors(401, 404))})
	f.op(&Op{method: "get", path: "/applications/{applicationId}/status", id: "get_application_status", tags: tags,
		summary: "Get the review state of an application", params: []*Param{id},
		resps: responses([]*Resp{Ok(200, "The state and its history.", JSON(Ref("ApplicationStatus"), exNamed))}, appErrors(401, 404))})
	f.op(&Op{method: "get", path: "/applications/{applicationId}/documents/{documentId}", id: "getApplicationDocument", tags: tags,
		summary: "Download a document attached to an application",
		params:  []*Param{id, PathParam("documentId", "Identifier of the document within the application.", Int32("").Min(1).Max(999))},
		resps:   responses([]*Resp{Ok(200, "The document as a PDF file.", Media{mediaType: "application/pdf", schema: Binary("")})}, appErrors(401, 404))})
	f.op(&Op{method: "get", path: "/institution/v2/applications", id: "listInstitutionApplications", tags: tags,
		summary: "List registrations of applications with institutions",
		params: []*Param{
			Query("institutionId", "Only registrations with these institutions.", Arr("", Int64("").Min(1))).Form(),
			Query("applicationId", "Only registrations of this application.", Str("").Len(1, 64)),
		},
		resps: responses([]*Resp{Ok(200, "The registrations.", JSON(Arr("", Ref("InstitutionRegistration")), exSingle))}, appErrors(401))})
	f.op(&Op{method: "post", path: "/institution/v2/applications", id: "registerInstitutionApplication", tags: tags,
		summary: "Register an application with institutions",
		body:    JBody(Ref("InstitutionRegistrationRequest"), exSingle),
		resps: responses([]*Resp{Ok(201, "One registration per institution.", JSON(Arr("", Ref("InstitutionRegistration")), exNone))},
			appErrors(400, 401))})
	regID := PathParam("registrationId", "Identifier of the registration.", Int64("").Min(1))
	f.op(&Op{method: "get", path: "/institution/v2/applications/{registrationId}", id: "getInstitutionApplicationById", tags: tags,
		summary: "Get a registration", params: []*Param{regID},
		resps: responses([]*Resp{Ok(200, "The registration.", JSON(Ref("InstitutionRegistration"), exSingle))}, appErrors(401, 404))})
	f.op(&Op{method: "delete", path: "/institution/v2/applications/{registrationId}", id: "deleteInstitutionApplicationById", tags: tags,
		summary: "Revoke a registration", params: []*Param{regID},
		resps: responses([]*Resp{Ok(204, "Revoked.")}, appErrors(401, 404))})
}
