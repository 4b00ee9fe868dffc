package main

func (f *fixture) payments() {
	f.schema("AchDestination", Obj("Send the money by ACH to an account at another bank.",
		R("method", Str("Always ach.").Enum("ach")),
		R("routingNumber", Str("ABA routing number.").Pat("^[0-9]{9}$").Hint("021000021")),
		R("accountNumber", Str("Account number.").Pat("^[0-9]{4,17}$").Hint("000123456789")),
		P("accountType", Str("Kind of the receiving account.").Enum("checking", "savings").Default("checking")),
	))
	f.schema("CardDestination", Obj("Send the money to a debit card.",
		R("method", Str("Always card.").Enum("card")),
		R("cardToken", Str("Token of the card from the card vault (not the card number).").Len(16, 64).Hint("tok_4f9a2c1e8b7d6a5f")),
		P("cardholderName", Str("Name on the card.")),
	))
	f.schema("TransferRequest", Obj("A transfer to make from a customer's account.",
		R("amount", Double("Amount to send, in the currency below.").Min(0.01).Max(1000000).Hints(125.5, 10.0, 980.25)),
		R("currency", Str("ISO 4217 currency code.").Len(3, 3).Hint("USD")),
		R("source", Obj("The account the money comes from.",
			R("customerId", Ref("CustomerId").D("The customer who owns it.")),
			R("accountId", Ref("AccountId").D("The account.")),
		)),
		R("destination", OneOf("Where the money goes; method tells how.", Ref("AchDestination"), Ref("CardDestination")).
			Disc("method", [2]string{"ach", "AchDestination"}, [2]string{"card", "CardDestination"})),
		P("memo", Str("Text shown to the recipient; null for none.").Len(0, 80).Null().Hints("Invoice 2024-017", null{})),
		P("scheduledDate", Date("Day to send it; today when absent.")),
	))
	f.schema("Transfer", Obj("A transfer, as the platform tracks it.",
		P("id", UUID("Identifier of the transfer.").RO()),
		R("status", Str("Where the transfer stands.").Enum("scheduled", "pending", "settled", "returned", "cancelled")),
		R("amount", Double("Amount sent.")),
		R("currency", Str("ISO 4217 currency code.").Len(3, 3).Hint("USD")),
		P("createdDate", DateTime("When the transfer was requested.").RO()),
		P("settlement", Obj("When the money arrives.",
			P("expectedDate", Date("Day it should arrive.")),
			P("settledDate", Date("Day it arrived; null until then.").Null().Hints("2024-02-09", null{})),
		)),
		P("fees", Arr("Fees charged for the transfer.", Obj("One fee.",
			R("code", Str("Kind of fee.").Enum("standard", "expedited", "return")),
			R("amount", Double("Amount of the fee.").Min(0)),
		))),
	))
	f.schema("MandateRequest", Obj("A standing authorization to pull money from an account.",
		R("customerId", Ref("CustomerId").D("The customer granting it.")),
		R("accountId", Ref("AccountId").D("The account money may be pulled from.")),
		R("maxAmount", Double("Most that one pull may take.").Min(0.01)),
		R("frequency", Str("How often pulls may happen.").Enum("once", "weekly", "monthly", "yearly")),
		R("startDate", Date("First day a pull may happen.")),
		P("endDate", Date("Last day; null when open-ended.").Null()),
	))
	f.schema("Mandate", AllOf("A mandate, with its state.",
		Obj("Identity and state of the mandate.",
			P("id", UUID("Identifier of the mandate.").RO()),
			R("status", Str("Whether pulls may happen.").Enum("active", "revoked", "expired")),
		),
		Ref("MandateRequest"),
	))
	f.schema("Payee", Obj("Someone the customer pays.",
		P("payeeId", UUID("Identifier of the payee.").RO()),
		R("name", Str("Name of the payee.").Len(1, 100).Hint("Summit Utilities")),
		P("email", Email("Where remittance notices go.")),
		R("account", Obj("Where payments to the payee go.",
			R("routingNumber", Str("ABA routing number.").Pat("^[0-9]{9}$").Hint("021000021")),
			R("accountNumber", Str("Account number.").Pat("^[0-9]{4,17}$").Hint("000987654321")),
		)),
	).AutoEx())

	tags := []string{"Payments"}
	cid := ParamRef("CustomerId")
	acc := ParamRef("AccountId")
	transfer := PathParam("transferId", "Identifier of the transfer.", UUID(""))
	mandate := PathParam("mandateId", "Identifier of the mandate.", UUID(""))
	f.op(&Op{method: "get", path: "/payments/v1/customers/{customer_id}/accounts/{accountId}/ach", id: "getAccountPaymentDetails", tags: tags,
		summary: "Get what is needed to pay from an account",
		desc: "Returns the routing and account numbers of the account, read from the institution.\n\n" +
			"The institution is asked every time: the numbers are not stored.",
		params: []*Param{cid, acc},
		resps:  responses([]*Resp{Ok(200, "The numbers.", JSON(Ref("AchDetails"), exNone))}, payErrors(401, 404))})
	f.op(&Op{method: "post", path: "/payments/v1/customers/{customer_id}/transfers", id: "createTransfer", tags: tags,
		summary: "Send money",
		desc: "Creates a transfer from one of the customer's accounts.\n\n" +
			"The destination is an ACH account or a debit card. A transfer scheduled for a later day can be cancelled until that day.",
		params: []*Param{cid, Header("Idempotency-Key", "A key of the partner's choosing: the same key within 24 hours returns the first transfer instead of sending again.", Str("").Len(8, 64)).Req().WithExample()},
		body:   JBody(Ref("TransferRequest"), exNamedRef),
		resps: responses([]*Resp{Ok(201, "The transfer.", JSON(Ref("Transfer"), exSingle)).
			With(respHeader{name: "Location", desc: "URL of the new transfer.", s: URI("")})}, payErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/payments/v1/customers/{customer_id}/transfers", id: "listTransfers", tags: tags,
		summary: "List a customer's transfers",
		params: append([]*Param{cid,
			Query("status", "Only transfers in one of these states.", Arr("", Str("").Enum("scheduled", "pending", "settled", "returned", "cancelled"))).Form(),
			ParamRef("FromDate"), ParamRef("ToDate"),
		}, paging()...),
		resps: responses([]*Resp{Ok(200, "The transfers.", JSON(Arr("", Ref("Transfer")), exSingle))}, payErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/payments/v1/transfers/{transferId}", id: "getTransferById", tags: tags,
		summary: "Get a transfer", params: []*Param{transfer},
		resps: responses([]*Resp{Ok(200, "The transfer.", JSON(Ref("Transfer"), exNamed))}, payErrors(401, 404))})
	f.op(&Op{method: "delete", path: "/payments/v1/transfers/{transferId}", id: "cancel_transfer", tags: tags,
		summary: "Cancel a transfer",
		desc:    "Cancels a scheduled transfer at once (204). A pending one can only be asked to stop (202): the answer of the receiving bank decides.",
		params:  []*Param{transfer},
		resps: responses([]*Resp{
			Ok(202, "Cancellation asked for.", JSON(Obj("The cancellation in progress.",
				R("transferId", UUID("The transfer.")),
				R("status", Str("Always cancellationPending.").Enum("cancellationPending")),
			), exSingle)),
			Ok(204, "Cancelled."),
		}, payErrors(401, 404))})
	f.op(&Op{method: "post", path: "/payments/v1/customers/{customer_id}/accounts/{accountId}/balance-checks", id: "checkAvailableBalance", tags: tags,
		summary: "Check that an account can cover an amount", params: []*Param{cid, acc},
		body: JBody(Obj("The amount to check.",
			R("amount", Double("Amount.").Min(0.01)),
			P("currency", Str("ISO 4217 code.").Len(3, 3).Hint("USD")),
		), exSingle),
		resps: responses([]*Resp{Ok(200, "The verdict.", JSON(Obj("Whether the balance covers the amount.",
			R("sufficient", Bool("Whether the amount is covered.")),
			R("checkedAt", DateTime("When the balance was read.")),
			P("availableBalance", Double("The balance read; null when the institution only answers yes or no.").Null().Hints(1520.33, null{})),
		), exNamed))}, payErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/payments/v1/customers/{customer_id}/accounts/{accountId}/owner-verification", id: "verify_account_owner", tags: tags,
		summary: "Compare an account's owner with a name",
		params: []*Param{cid, acc,
			Query("name", "The name to compare.", Str("").Len(1, 100)).Req().WithExample(),
			Query("address", "An address to compare too.", Str("").Len(1, 200)),
		},
		resps: responses([]*Resp{Ok(200, "How well they match.", JSON(Obj("The comparison.",
			R("match", Str("Overall verdict.").Enum("match", "partial", "noMatch")),
			R("nameScore", Int32("Similarity of the names, 0 to 100.").Min(0).Max(100)),
			P("addressScore", Int32("Similarity of the addresses; null when no address was given.").Min(0).Max(100).Null().Hint(null{})),
		), exSingle))}, payErrors(400, 401, 404))})
	f.op(&Op{method: "post", path: "/payments/v1/mandates", id: "createMandate", tags: tags,
		summary: "Create a mandate",
		body:    JBody(Ref("MandateRequest"), exNamed),
		resps:   responses([]*Resp{Ok(201, "The mandate.", JSON(Ref("Mandate"), exSingle))}, payErrors(400, 401))})
	f.op(&Op{method: "get", path: "/payments/v1/mandates/{mandateId}", id: "getMandateById", tags: tags,
		summary: "Get a mandate", params: []*Param{mandate},
		resps: responses([]*Resp{Ok(200, "The mandate.", JSON(Ref("Mandate"), exNone))}, payErrors(401, 404))})
	f.op(&Op{method: "put", path: "/payments/v1/mandates/{mandateId}/revocation", id: "revokeMandate", tags: tags,
		summary: "Revoke a mandate", params: []*Param{mandate},
		body: JBody(Obj("Why the mandate is revoked.",
			P("reason", Str("Reason given by the customer.").Len(0, 200)),
		), exNone).Optional(),
		resps: responses([]*Resp{Ok(204, "Revoked.")}, payErrors(401, 404))})
	f.op(&Op{method: "get", path: "/payments/v1/transfers/{transferId}/receipt", id: "getTransferReceipt", tags: []string{"Payments", "Statements"},
		summary: "Download the receipt of a transfer", params: []*Param{transfer},
		resps: responses([]*Resp{Ok(200, "The receipt as a PDF file, or the transfer as JSON, as the Accept header asks.",
			Media{mediaType: "application/pdf", schema: Binary("")}, JSON(Ref("Transfer"), exNone))}, payErrors(401, 404))})
	f.op(&Op{method: "post", path: "/payments/v1/customers/{customer_id}/payees", id: "addPayee", tags: tags,
		summary: "Add a payee", params: []*Param{cid},
		// No example of its own: the schema's, readOnly payeeId and all,
		// serves the request too.
		body:  JBody(Ref("Payee"), exNone),
		resps: responses([]*Resp{Ok(201, "The payee.", JSON(Ref("Payee"), exNone))}, payErrors(400, 401, 404))})
}
