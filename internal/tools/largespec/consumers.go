package main

func (f *fixture) consumers() {
	birthday := Obj("Date of birth, split so that no time zone can shift it.",
		R("year", Int32("Year of birth.").Min(1900).Max(2100).Hint(1988)),
		R("month", Int32("Month, 1 to 12.").Min(1).Max(12).Hint(4)),
		R("dayOfMonth", Int32("Day of the month, 1 to 31.").Min(1).Max(31).Hint(17)),
	)
	consumerFields := func(write bool) []prop {
		mk := R
		if !write {
			mk = P
		}
		return []prop{
			mk("firstName", Str("Given name, as on official documents (“é”, “ñ” and other letters are kept).").Len(1, 64)),
			mk("lastName", Str("Family name.").Len(1, 64)),
			mk("address", postalAddress("Home address of the consumer.")),
			mk("birthday", birthday),
			mk("taxIdLastFour", Str("Last four digits of the consumer's tax identifier.").Pat("^[0-9]{4}$").Hint("4321")),
			P("email", Email("Address for notices about reports.")),
			P("phone", Str("Phone number.")),
			P("suffix", Str("Name suffix such as Jr. or III; null when none.").Null().Hint(null{})),
		}
	}
	f.schema("Consumer", Obj("The consumer behind a customer, as needed to issue consumer reports.",
		append([]prop{R("id", Ref("ConsumerId").D("Identifier of the consumer.")),
			P("customerId", Ref("CustomerId").D("The customer this consumer belongs to.")),
			P("createdDate", DateTime("When the consumer was created.").RO()),
		}, consumerFields(false)...)...))
	f.schema("NewConsumer", Obj("A consumer to create for a customer.", consumerFields(true)...))
	f.schema("ConsumerUpdate", Obj("New values for a consumer; members left out keep their value.",
		P("address", postalAddress("New home address.")),
		P("email", Email("New address for notices.")),
		P("phone", Str("New phone number; null removes it.").Null()),
	))
	f.schema("ConsumerReportSummary", Obj("A report issued about a consumer.",
		R("id", Ref("ReportId").D("Identifier of the report.")),
		R("type", Str("Kind of report.").Enum("voa", "voi", "voe", "cfr")),
		R("status", Str("Whether the report is ready.").Enum("inProgress", "success", "failure")),
		P("createdDate", DateTime("When it was requested.")),
		P("consumerId", Ref("ConsumerId").D("The consumer.")),
	))
	f.schema("ConsumerReport", AnyOf("A consumer report: an asset report, an income report, or a document holding both (it then matches both).",
		Ref("AssetReport"), Ref("IncomeReport")))
	f.schema("Dispute", Obj("A consumer's dispute of a statement in a report.",
		P("disputeId", UUID("Identifier of the dispute.").RO()),
		R("reportId", Ref("ReportId").D("The report disputed.")),
		R("statement", Str("The consumer's own words. Kept verbatim: may contain quotes, `code`, */ or any other text.").Len(1, 2000).
			Hint("The balance shown for “Rainy Day Savings” is not mine.")),
		R("category", Str("What is disputed.").Enum("identity", "balance", "income", "other")),
		P("filedDate", DateTime("When the dispute was filed.").RO()),
		P("status", Str("Where the dispute stands.").Enum("open", "investigating", "resolved").RO()),
	))

	tags := []string{"Consumers"}
	cid := ParamRef("CustomerId")
	con := ParamRef("ConsumerId")
	f.op(&Op{method: "post", path: "/decisioning/v1/customers/{customer_id}/consumer", id: "createConsumer", tags: tags,
		summary: "Create the consumer of a customer",
		desc: "Creates the consumer record needed before any consumer report can be issued.\n\n" +
			"A customer has at most one consumer: a second call answers 409.",
		params: []*Param{cid},
		body:   JBody(Ref("NewConsumer"), exNamed),
		resps: responses([]*Resp{Ok(201, "The consumer.", JSON(Obj("The new consumer's identifiers.",
			R("id", Ref("ConsumerId").D("Identifier of the consumer.")),
			R("createdDate", DateTime("When it was created.")),
		), exSingle))}, stdErrors(400, 401, 404, 409))})
	f.op(&Op{method: "get", path: "/decisioning/v1/customers/{customer_id}/consumer", id: "getConsumerForCustomer", tags: tags,
		summary: "Get the consumer of a customer", params: []*Param{cid},
		resps: responses([]*Resp{Ok(200, "The consumer.", JSON(Ref("Consumer"), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v1/consumers/{consumerId}", id: "getConsumerById", tags: tags,
		summary: "Get a consumer", params: []*Param{con},
		resps: responses([]*Resp{Ok(200, "The consumer.", JSON(Ref("Consumer"), exNone))}, stdErrors(401, 404))})
	f.op(&Op{method: "put", path: "/decisioning/v1/consumers/{consumerId}", id: "updateConsumer", tags: tags,
		summary: "Change a consumer", params: []*Param{con},
		body:  JBody(Ref("ConsumerUpdate"), exSingle),
		resps: responses([]*Resp{Ok(204, "Changed.")}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "delete", path: "/decisioning/v1/consumers/{consumerId}", id: "deleteConsumerById", tags: tags,
		summary: "Delete a consumer", params: []*Param{con},
		resps: responses([]*Resp{Ok(204, "Deleted.")}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v1/consumers/{consumerId}/reports", id: "listConsumerReports", tags: []string{"Consumers", "Reports"},
		summary: "List the reports of a consumer",
		params:  append([]*Param{con, Query("type", "Only reports of these kinds.", Arr("", Str("").Enum("voa", "voi", "voe", "cfr"))).Form()}, paging()...),
		resps: responses([]*Resp{Ok(200, "The reports, newest first.", JSON(Obj("The reports of the consumer.",
			R("reports", Arr("One summary per report.", Ref("ConsumerReportSummary"))),
		), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v1/consumers/{consumerId}/reports/{reportId}", id: "getConsumerReportById", tags: []string{"Consumers", "Reports"},
		summary: "Get a consumer report",
		desc:    "Returns the report as the consumer may see it.\n\nThe document is an asset report, an income report, or both.",
		params:  []*Param{con, ParamRef("ReportId"), ParamRef("AcceptLanguage")},
		resps:   responses([]*Resp{Ok(200, "The report.", JSON(Ref("ConsumerReport"), exNone))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v1/consumers/{consumerId}/reports/{reportId}/pdf", id: "get_consumer_report_pdf", tags: tags,
		summary: "Download a consumer report as PDF",
		params:  []*Param{con, ParamRef("ReportId")},
		resps: responses([]*Resp{Ok(200, "The report as a PDF file.", Media{mediaType: "application/pdf", schema: Binary("")}).
			With(respHeader{name: "Content-Disposition", desc: "Suggested file name, e.g. attachment; filename=\"report.pdf\".", s: Str("")})},
			stdErrors(401, 404))})
	f.op(&Op{method: "post", path: "/decisioning/v1/consumers/{consumerId}/disputes", id: "fileConsumerDispute", tags: tags,
		summary: "File a dispute",
		params:  []*Param{con},
		body:    JBody(Ref("Dispute"), exNamedRef),
		resps:   responses([]*Resp{Ok(201, "The dispute as filed.", JSON(Ref("Dispute"), exSingle))}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v1/consumers/{consumerId}/disputes", id: "listConsumerDisputes", tags: tags,
		summary: "List a consumer's disputes",
		params:  []*Param{con, Query("status", "Only disputes in this state.", Str("").Enum("open", "investigating", "resolved"))},
		resps:   responses([]*Resp{Ok(200, "The disputes.", JSON(Arr("", Ref("Dispute")), exNone))}, stdErrors(401, 404))})
}
