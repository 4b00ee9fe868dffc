package main

func (f *fixture) reports() {
	reportType := func(t string) prop { return R("type", Str("Kind of report; always "+t+" here.").Enum(t)) }
	common := func() []prop {
		return []prop{
			R("id", Ref("ReportId").D("Identifier of the report.")),
			R("status", Str("Whether the report is complete.").Enum("inProgress", "success", "failure")),
			P("createdDate", DateTime("When the report was requested.")),
			P("customerId", Ref("CustomerId").D("The customer the report is about.")),
		}
	}
	f.schema("AssetReport", Obj("A verification of assets: balances and their history.",
		append([]prop{reportType("voa")}, append(common(),
			P("assets", Arr("One entry per account.", Obj("The assets held in one account.",
				R("accountId", Ref("AccountId").D("The account.")),
				R("currentBalance", Double("Balance on the day of the report.")),
				P("averageMonthlyBalance", Double("Average over the months covered.")),
				P("history", Arr("Balance at the end of each month.", Obj("One month.",
					R("month", Date("First day of the month.")),
					R("balance", Double("Balance at its end.")),
				))),
			))),
			P("totalAssets", Double("Sum of current balances.")),
		)...)...))
	f.schema("IncomeReport", Obj("A verification of income from deposits.",
		append([]prop{reportType("voi")}, append(common(),
			P("incomeStreams", Arr("Regular deposits recognized as income.", Obj("One stream of income.",
				R("name", Str("Who pays, as recognized.").Hint("Riverbend Logistics")),
				R("confidence", Int32("Confidence that this is income, 0 to 100.").Min(0).Max(100)),
				P("netMonthly", Double("Average net amount per month.")),
				P("cadence", Obj("How often the deposits come.",
					R("startDate", Date("First deposit seen.")),
					R("days", Int32("Days between deposits.").Min(1).Max(366).Hint(14)),
				)),
			))),
		)...)...))
	f.schema("EmploymentReport", Obj("A verification of employment from payroll deposits.",
		append([]prop{reportType("voe")}, append(common(),
			P("employers", Arr("Employers recognized.", Obj("One employer.",
				R("name", Str("The employer.").Hint("Acme Analytics")),
				R("startDate", Date("First payroll deposit seen.")),
				P("endDate", Date("Last one, when employment seems to have ended; null while it continues.").Null().Hint(null{})),
			))),
		)...)...))
	f.response("GetReportByIdResponse", &Resp{desc: "A report of any kind; type tells which. (A response component named like the wrapper a generator makes for getReportById.)",
		media: []Media{JSON(OneOf("", Ref("AssetReport"), Ref("IncomeReport"), Ref("EmploymentReport")).
			Disc("type", [2]string{"voa", "AssetReport"}, [2]string{"voi", "IncomeReport"}, [2]string{"voe", "EmploymentReport"}), exNamed)}})
	f.schema("ReportRequest", Obj("What an asset report covers.",
		P("accountIds", Arr("Accounts to include; all of the customer's when absent.", Ref("AccountId"))),
		P("fromDate", Date("First day of history to use.")),
		P("reportCustomFields", Arr("Values of the partner's own printed on the report.", Obj("One value.",
			R("label", Str("Label printed next to the value.").Len(1, 40).Hint("loanId")),
			R("value", Str("The value.").Len(1, 100).Hint("L-2024-0042")),
			P("shown", Bool("Whether the value is printed on the PDF; it is always in the data.").Default(true)),
		))),
		P("callbackUrl", URI("Called when the report is ready.")),
	))
	f.schema("IncomeReportRequest", AllOf("What an income report covers: an asset report's fields, and a threshold.",
		Ref("ReportRequest"),
		Obj("Fields of income reports.",
			P("incomeStreamConfidenceMinimum", Int32("Streams less likely than this to be income are left out.").Min(0).Max(100).Default(50)),
		),
	))
	f.schema("CashFlowRequest", Obj("What a cash flow report covers and whom it is about.",
		R("accountIds", Arr("Accounts to include.", Ref("AccountId")).MinItems(1)),
		P("lengthDays", Int32("Days of history to analyse.").Min(30).Max(730).Default(365)),
		R("applicant", Obj("The person or business applying.",
			R("firstName", Str("Given name.")),
			R("lastName", Str("Family name.")),
			R("employer", Obj("Current employer, as the applicant states it.",
				R("name", Str("Name of the employer.")),
				R("startDate", Date("When the applicant started.")),
			)),
		)),
	))
	f.schema("ReportAck", Obj("A report being built.",
		R("id", Ref("ReportId").D("Identifier of the report.")),
		R("requestId", Str("Identifier of the request, for support.").Len(1, 64)),
		R("status", Str("Always inProgress on creation.").Enum("inProgress")),
		R("type", Str("Kind of report.").Enum("voa", "voi", "voe", "cfr", "preQualVoa")),
		P("createdDate", DateTime("When it was requested.")),
		P("customerId", Ref("CustomerId").D("The customer.")),
	).AutoEx())
	f.schema("ReportStatus", Obj("Progress of a report.",
		R("id", Ref("ReportId").D("Identifier of the report.")),
		R("status", Str("Where it stands.").Enum("inProgress", "success", "failure")),
		P("percentComplete", Int32("Progress, 0 to 100.").Min(0).Max(100)),
		P("errors", Arr("What went wrong, when status is failure.", Ref("ValidationError"))),
	))
	f.schema("ShareReportRequest", Obj("Shares a report with someone outside the partner.",
		R("recipientEmail", Email("Who receives the link.")),
		P("expiresDate", Date("Last day the link works.")),
		P("message", Str("Note sent with the link; null for none.").Len(0, 500).Null()),
	))

	tags := []string{"Reports"}
	cid := ParamRef("CustomerId")
	rid := ParamRef("ReportId")
	ack := func(status int) *Resp {
		return Ok(status, "The report is being built.", JSON(Ref("ReportAck"), exNone))
	}
	f.op(&Op{method: "post", path: "/decisioning/v2/customers/{customer_id}/voa", id: "generateAssetReport", tags: tags,
		summary: "Request an asset report",
		desc: "Starts building a verification of assets.\n\n" +
			"When a report of the same scope finished within the last hour it is returned at once (200) instead of building another (202).",
		params: []*Param{cid, Header("Partner-Correlation-Id", "The partner's identifier of the loan file, echoed in the report and notifications.", Str("").Len(1, 64)).Req().WithExample()},
		body:   JBody(Ref("ReportRequest"), exNamed).Optional(),
		resps: responses([]*Resp{
			Ok(200, "A recent report of the same scope.", JSON(Ref("AssetReport"), exSingle)),
			ack(202),
		}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "post", path: "/decisioning/v2/customers/{customer_id}/voi", id: "generateIncomeReport", tags: tags,
		summary: "Request an income report", params: []*Param{cid},
		body:  JBody(Ref("IncomeReportRequest"), exSingle),
		resps: responses([]*Resp{ack(202)}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "post", path: "/decisioning/v2/customers/{customer_id}/voe", id: "generate_employment_report", tags: tags,
		summary: "Request an employment report", params: []*Param{cid},
		body: JBody(Obj("What the report covers.",
			R("employerName", Str("Employer to look for first.").Len(1, 200)),
			P("accountIds", Arr("Accounts to include.", Ref("AccountId"))),
		), exNone),
		resps: responses([]*Resp{ack(202)}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "post", path: "/decisioning/v2/customers/{customer_id}/cash-flow", id: "generateCashFlowReport", tags: tags,
		summary: "Request a cash flow report", params: []*Param{cid},
		body:  JBody(Ref("CashFlowRequest"), exNamed),
		resps: responses([]*Resp{ack(202)}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v3/customers/{customer_id}/reports", id: "listCustomerReports", tags: tags,
		summary: "List a customer's reports",
		params: append([]*Param{cid,
			Query("type", "Only reports of these kinds.", Arr("", Str("").Enum("voa", "voi", "voe", "cfr", "preQualVoa"))).Form(),
			ParamRef("FromDate"), ParamRef("ToDate"),
		}, paging()...),
		resps: responses([]*Resp{Ok(200, "The reports.", JSON(Obj("The reports of the customer.",
			R("reports", Arr("Newest first.", Ref("ReportAck"))),
		), exNone))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v3/customers/{customer_id}/reports/{reportId}", id: "getReportById", tags: tags,
		summary: "Get a report",
		desc:    "Returns the report's data. Its `type` member tells which kind of report it is.",
		params:  []*Param{cid, rid},
		resps:   responses([]*Resp{RespRef(200, "GetReportByIdResponse")}, stdErrors(401, 404))})
	f.op(&Op{method: "delete", path: "/decisioning/v3/customers/{customer_id}/reports/{reportId}", id: "deleteReportById", tags: tags,
		summary: "Delete a report", params: []*Param{cid, rid},
		resps: responses([]*Resp{Ok(204, "Deleted.")}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v3/customers/{customer_id}/reports/{reportId}/document", id: "getReportPdf", tags: tags,
		summary: "Download a report as PDF", params: []*Param{cid, rid, ParamRef("AcceptLanguage")},
		resps: responses([]*Resp{Ok(200, "The report.", Media{mediaType: "application/pdf", schema: Binary("")})}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v3/reports/{reportId}/csv", id: "export_report_csv", tags: tags,
		summary: "Export a report's data as CSV", params: []*Param{rid},
		resps: responses([]*Resp{Ok(200, "The data, one line per account and month.", Media{mediaType: "text/csv", schema: Str(""), mode: exSingle,
			value: "accountId,month,balance\n6001234567,2024-01-01,1520.33\n6001234567,2024-02-01,1704.10\n"})}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v1/reports/{reportId}/status", id: "getReportStatus", tags: tags,
		summary: "Get the progress of a report", params: []*Param{rid},
		resps: responses([]*Resp{Ok(200, "The progress.", JSON(Ref("ReportStatus"), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "post", path: "/decisioning/v2/customers/{customer_id}/prequal", id: "generatePrequalificationReport", tags: tags,
		summary: "Request a prequalification report",
		desc:    "A lighter asset report for prequalification: balances only, no history.",
		params:  []*Param{cid},
		resps:   responses([]*Resp{ack(202)}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/decisioning/v1/report-types", id: "list_report_types", tags: tags,
		summary: "List the kinds of report",
		resps: responses([]*Resp{Ok(200, "The kinds, as a plain array.", JSON(Arr("", Obj("One kind of report.",
			R("code", Str("Value of a report's type.").Enum("voa", "voi", "voe", "cfr", "preQualVoa")),
			R("name", Str("Name of the kind.").Hint("Verification of assets")),
			P("requiresConsumer", Bool("Whether a consumer must exist before requesting it.")),
		)), exSingle))}, stdErrors(401))})
	f.op(&Op{method: "post", path: "/decisioning/v2/customers/{customer_id}/reports/{reportId}/share", id: "shareReport", tags: tags,
		summary: "Share a report by link", params: []*Param{cid, rid},
		body: JBody(Ref("ShareReportRequest"), exNamedRef),
		resps: responses([]*Resp{Ok(201, "The link was sent.", JSON(Obj("The share.",
			R("shareId", Ref("UUID").D("Identifier of the share.")),
			R("url", URI("The link sent.")),
			P("expiresDate", Date("Last day it works.")),
		), exSingle))}, stdErrors(400, 401, 404))})
}
