package main

func (f *fixture) statements() {
	f.schema("StatementInfo", Obj("A statement the institution has for an account.",
		R("statementId", Str("Identifier of the statement.").Len(1, 64).Hint("stmt-2024-01")),
		R("index", Int32("1 for the latest statement, 2 for the one before, up to 24.").Min(1).Max(24)),
		P("type", Str("Kind of statement.").Enum("monthly", "quarterly", "annual").Default("monthly")),
		P("periodStart", Date("First day of the period.")),
		P("periodEnd", Date("Last day of the period.")),
		P("pages", Int32("Number of pages of the PDF.").Min(1).Max(500)),
		P("documentUrl", URI("Where the PDF can be downloaded (same credentials).").RO()),
	))
	f.schema("StatementRetrievalRequest", Obj("Statements to fetch from the institution ahead of time.",
		R("indices", Arr("Which statements, by index.", Int32("An index.").Min(1).Max(24)).MinItems(1)),
		P("types", Arr("Kinds of statement.", Str("A kind.").Enum("monthly", "quarterly", "annual"))),
		P("notifyUrl", URI("Called when the statements are ready; null for no call.").Null().Hints("https://partner.example.com/hooks/statements", null{})),
	))
	f.schema("TaxDocument", Obj("A tax form the institution issued for a customer.",
		R("documentId", Str("Identifier of the form.").Len(1, 64).Hint("tax-2023-w2-01")),
		R("taxYear", Int32("Year the form covers.").Min(2000).Max(2100).Hint(2023)),
		R("formType", Str("Which form.").Enum("W2", "1099-INT", "1099-DIV", "1098")),
		P("issuer", Str("Who issued it.").Hint("Harbor Community Bank")),
		P("createdDate", DateTime("When it was retrieved.")),
	))
	f.schema("WageStatement", Obj("Data of a wage statement (form W-2).",
		R("formType", Str("Always W2.").Enum("W2")),
		R("employerName", Str("The employer.")),
		R("wages", Double("Wages, tips and other compensation.").Min(0)),
		P("federalTaxWithheld", Double("Federal income tax withheld.").Min(0)),
	))
	f.schema("InterestStatement", Obj("Data of an interest income statement (form 1099-INT).",
		R("formType", Str("Always 1099-INT.").Enum("1099-INT")),
		R("payerName", Str("Who paid the interest.")),
		R("interestIncome", Double("Interest paid over the year.").Min(0)),
	))
	f.schema("TaxDocumentData", OneOf("The data of a tax form; formType tells which.", Ref("WageStatement"), Ref("InterestStatement")).
		Disc("formType", [2]string{"W2", "WageStatement"}, [2]string{"1099-INT", "InterestStatement"}).AutoEx())

	tags := []string{"Statements"}
	cid := ParamRef("CustomerId")
	acc := ParamRef("AccountId")
	pdf := Media{mediaType: "application/pdf", schema: Binary("")}
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/statement", id: "getAccountStatement", tags: []string{"Statements", "Accounts"},
		summary: "Download a statement of an account",
		desc: "Fetches a statement from the institution and returns it as a PDF file.\n\n" +
			"`index` 1 is the latest statement. Fetching may take up to a minute when the institution is slow.",
		params: []*Param{cid, acc,
			Query("index", "Which statement: 1 for the latest, up to 24.", Int32("").Min(1).Max(24).Default(1)).WithExample(),
			Query("type", "Kind of statement.", Str("").Enum("monthly", "quarterly", "annual").Default("monthly")),
		},
		resps: responses([]*Resp{Ok(200, "The statement.", pdf)}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/statements", id: "listAccountStatements", tags: tags,
		summary: "List the statements of an account", params: []*Param{cid, acc},
		resps: responses([]*Resp{Ok(200, "The statements.", JSON(Obj("The statements available.",
			R("statements", Arr("Newest first.", Ref("StatementInfo"))),
		), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/statements/{statementId}", id: "get_statement_document", tags: tags,
		summary: "Download a listed statement",
		params:  []*Param{cid, acc, PathParam("statementId", "Identifier of the statement, as listed.", Str("").Len(1, 64).Hint("stmt-2024-01"))},
		resps:   responses([]*Resp{Ok(200, "The statement.", pdf)}, stdErrors(401, 404))})
	f.op(&Op{method: "post", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/statements/requests", id: "requestStatementRetrieval", tags: tags,
		summary: "Fetch statements ahead of time", params: []*Param{cid, acc},
		body: JBody(Ref("StatementRetrievalRequest"), exNamed),
		resps: responses([]*Resp{Ok(202, "The retrieval started.", JSON(Obj("The retrieval in progress.",
			R("requestId", UUID("Identifier of the retrieval.")),
			R("status", Str("State.").Enum("queued")),
		), exSingle))}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/statements/tax-documents", id: "listTaxDocuments", tags: tags,
		summary: "List a customer's tax forms",
		params:  []*Param{cid, Query("taxYear", "Only forms of this year.", Int32("").Min(2000).Max(2100))},
		resps:   responses([]*Resp{Ok(200, "The forms.", JSON(Arr("", Ref("TaxDocument")), exSingle))}, stdErrors(401, 404))})
	taxDoc := PathParam("documentId", "Identifier of the form.", Str("").Len(1, 64).Hint("tax-2023-w2-01"))
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/statements/tax-documents/{documentId}", id: "getTaxDocument", tags: tags,
		summary: "Download a tax form",
		desc:    "Returns the form as a PDF file, or its metadata as JSON, as the Accept header asks.",
		params:  []*Param{cid, taxDoc},
		resps:   responses([]*Resp{Ok(200, "The form.", pdf, JSON(Ref("TaxDocument"), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "delete", path: "/aggregation/v1/customers/{customer_id}/statements/tax-documents/{documentId}", id: "deleteTaxDocumentById", tags: tags,
		summary: "Delete a tax form", params: []*Param{cid, taxDoc},
		resps: responses([]*Resp{Ok(204, "Deleted.")}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/statements/tax-documents/{documentId}/data", id: "getTaxDocumentData", tags: tags,
		summary: "Get the data of a tax form", params: []*Param{cid, taxDoc},
		resps: responses([]*Resp{Ok(200, "The data; formType tells which form it is.", JSON(Ref("TaxDocumentData"), exNamed))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/statements/latest", id: "get_latest_statement_summary", tags: tags,
		summary: "Summarize the latest statement", params: []*Param{cid, acc},
		resps: responses([]*Resp{Ok(200, "The statement with its balances.", JSON(AllOf("",
			Ref("StatementInfo"),
			Obj("Balances printed on the statement.",
				R("openingBalance", Double("Balance at the start of the period.")),
				R("closingBalance", Double("Balance at the end of the period.")),
			),
		), exSingle))}, stdErrors(401, 404))})
}
