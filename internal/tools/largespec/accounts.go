package main

func (f *fixture) accounts() {
	f.schema("DepositDetail", Obj("Details of a deposit account (checking, savings, money market).",
		R("kind", Str("Always deposit.").Enum("deposit")),
		P("availableBalance", Double("Balance available for withdrawal.")),
		P("interestRate", Double("Annual interest rate in percent; null when the institution does not report it.").Min(0).Max(100).Null().Hints(1.25, null{})),
		P("openDate", Date("When the account was opened.")),
	))
	f.schema("CreditDetail", Obj("Details of a credit card or line of credit.",
		R("kind", Str("Always credit.").Enum("credit")),
		P("creditLimit", Double("Credit limit.").Min(0)),
		P("minimumPayment", Double("Minimum payment due.").Min(0)),
		P("paymentDueDate", Date("When the next payment is due; null when nothing is due.").Null()),
	))
	f.schema("LoanDetail", Obj("Details of a loan or mortgage.",
		R("kind", Str("Always loan.").Enum("loan")),
		P("principal", Double("Principal still owed.").Min(0)),
		P("maturityDate", Date("When the loan ends.")),
	))
	f.schema("Account", Obj("An account of a customer at an institution.",
		R("id", Ref("AccountId").D("Identifier of the account.")),
		P("number", Str("The account number as the institution displays it, usually masked.\n"+
			"// A leading double slash is part of some institutions' masks, not a comment.\n"+
			"Never a full account number: see the ACH details operation for that.").Len(1, 34).Hint("xxxx4321")),
		P("realAccountNumberLast4", Str("Last four digits of the real account number.").Pat("^[0-9]{4}$").Hint("4321")),
		R("name", Str("Name of the account at the institution.").Hint("Everyday Checking")),
		P("balance", Double("Balance at the last refresh, in the account's currency.")),
		R("type", Str("Kind of account.").Enum("checking", "savings", "creditCard", "mortgage", "investment", "loan")),
		P("aggregationStatusCode", Int32("Result of the last refresh: 0 for success, anything else an error code; null before the first refresh.").Null().Hints(0, null{})),
		R("status", Str("State of the account.").Enum("active", "pending", "closed")),
		R("customerId", Ref("CustomerId").D("The customer who owns the account.")),
		R("institutionId", Int64("The institution holding the account.").Min(1)),
		P("institutionLoginId", Int64("The login the account was reached through.").Min(1)),
		P("balanceDate", DateTime("When the balance was read.")),
		P("createdDate", DateTime("When the account was first aggregated.").RO()),
		P("currency", Str("ISO 4217 currency code.").Len(3, 3).Hint("USD")),
		P("institutionAccountId", StrInt64("The institution's own identifier of the account: a 64-bit integer written as a string.").Hint("9007199254740993")),
		// Required, yet given no property schema, as published specs do.
		Undeclared("accountNickname", "Rainy-day fund"),
		P("detail", OneOf("Details that depend on the kind of account.",
			Ref("DepositDetail"), Ref("CreditDetail"), Ref("LoanDetail")).
			Disc("kind", [2]string{"deposit", "DepositDetail"}, [2]string{"credit", "CreditDetail"}, [2]string{"loan", "LoanDetail"})),
		P("positions", Arr("Holdings of an investment account; empty for other kinds.", Obj("One holding.",
			R("symbol", Str("Ticker symbol.").Len(1, 12).Hint("VTI")),
			R("units", Double("Units held.")),
			P("marketValue", Double("Value at the last refresh.")),
		))),
	))
	f.schema("AccountModification", Obj("New values for an account.",
		R("displayName", Str("Name the partner shows for the account.").Len(1, 64)),
		P("hidden", Bool("Whether the partner hides the account from the customer.").Default(false)),
	))
	f.schema("AccountRefreshResult", Obj("Accounts refreshed at once (the institution answered quickly).",
		R("accounts", Arr("One entry per account of the login.", Obj("The outcome for one account.",
			R("id", Ref("AccountId").D("The account.")),
			R("status", Str("Outcome.").Enum("refreshed", "failed")),
			P("refreshedDate", DateTime("When the data was read.")),
		))),
	))
	f.schema("RefreshAck", Obj("A refresh that continues in the background.",
		R("refreshId", Ref("UUID").D("Identifier of the refresh, quoted in the notification sent when it ends.")),
		P("estimatedSeconds", Int32("How long it usually takes.").Min(1).Max(600)),
	).AutoEx())
	f.schema("AchDetails", Obj("What is needed to move money by ACH to or from the account.",
		R("routingNumber", Str("ABA routing number.").Pat("^[0-9]{9}$").Hint("021000021")),
		R("accountNumber", Str("Full account number.").Pat("^[0-9]{4,17}$").Hint("000123456789")),
		P("printType", Str("How checks of the account are printed.").Enum("personal", "business")),
	))
	f.schema("PersonOwner", Obj("An account owned by one or more people.",
		R("ownerType", Str("Always person.").Enum("person")),
		R("names", Arr("Names of the owners as the institution holds them.", Str("One owner's name.")).MinItems(1)),
		P("address", Str("Owner address as one line.")),
	))
	f.schema("BusinessOwner", Obj("An account owned by a business.",
		R("ownerType", Str("Always business.").Enum("business")),
		R("legalName", Str("Legal name of the business.")),
		P("taxIdLastFour", Str("Last four digits of its tax identifier.").Pat("^[0-9]{4}$").Hint("9876")),
	))
	f.schema("AccountOwner", OneOf("Who owns an account: people, or a business.", Ref("PersonOwner"), Ref("BusinessOwner")))
	f.schema("LiveBalance", Obj("A balance read from the institution just now.",
		R("accountId", Ref("AccountId").D("The account.")),
		R("availableBalance", Double("Balance available now.")),
		P("ledgerBalance", Double("Balance including pending items.")),
		R("asOf", DateTime("When the institution reported it.")),
		P("currency", Str("ISO 4217 currency code.").Len(3, 3).Hint("USD")),
	))

	tags := []string{"Accounts"}
	cid := ParamRef("CustomerId")
	acc := ParamRef("AccountId")
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts", id: "listCustomerAccounts", tags: []string{"Accounts", "Customers"},
		summary: "List a customer's accounts",
		params: []*Param{cid,
			Query("status", "Only accounts in one of these states.", Arr("", Str("").Enum("active", "pending", "closed"))).Form(),
			Query("includeClosed", "Whether closed accounts are listed when status is absent.", Bool("").Default(false)),
		},
		resps: responses([]*Resp{Ok(200, "The accounts.", JSON(Obj("The accounts of the customer.",
			R("accounts", Arr("One entry per account.", Ref("Account"))),
		), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}", id: "getCustomerAccountById", tags: tags,
		summary: "Get an account", params: []*Param{cid, acc},
		resps: responses([]*Resp{Ok(200, "The account.", JSON(Ref("Account"), exNamed))}, stdErrors(401, 404))})
	f.op(&Op{method: "put", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}", id: "modifyAccount", tags: tags,
		summary: "Change how an account is shown", params: []*Param{cid, acc},
		body:  JBody(Ref("AccountModification"), exSingle),
		resps: responses([]*Resp{Ok(204, "Changed.")}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "delete", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}", id: "deleteAccountById", tags: tags,
		summary: "Delete an account",
		desc:    "Deletes the account and its transactions. The next refresh of its login does not bring it back.",
		params:  []*Param{cid, acc},
		resps:   responses([]*Resp{Ok(204, "Deleted.")}, stdErrors(401, 404))})
	f.op(&Op{method: "post", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/refresh", id: "refreshAccount", tags: tags,
		summary: "Refresh an account",
		desc: "Reads fresh data from the institution.\n\n" +
			"When the institution answers within a few seconds the result comes at once (200); otherwise the refresh " +
			"continues in the background (202) and a notification is sent when it ends.",
		params: []*Param{cid, acc},
		resps: responses([]*Resp{
			Ok(200, "Refreshed.", JSON(Ref("AccountRefreshResult"), exSingle)),
			Ok(202, "Refreshing in the background.", JSON(Ref("RefreshAck"), exNone)).With(rl()...),
		}, stdErrors(401, 404, 409))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/details", id: "get_account_ach_details", tags: tags,
		summary: "Get ACH details of an account", params: []*Param{cid, acc},
		resps: responses([]*Resp{Ok(200, "Routing and account numbers.", JSON(Ref("AchDetails"), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/owner", id: "getAccountOwner", tags: tags,
		summary: "Get the owner of an account", params: []*Param{cid, acc},
		resps: responses([]*Resp{Ok(200, "The owner: people or a business.", JSON(Ref("AccountOwner"), exNamed))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/balance/live", id: "getLiveBalance", tags: tags,
		summary: "Read the balance from the institution now",
		params:  []*Param{cid, acc, ParamRef("RequestTrace")},
		resps:   responses([]*Resp{Ok(200, "The balance.", JSON(Ref("LiveBalance"), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "post", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/history", id: "loadAccountHistory", tags: tags,
		summary: "Load older transactions of an account",
		desc:    "Asks the institution for up to two years of transactions. The load runs in the background.",
		params:  []*Param{cid, acc},
		resps: responses([]*Resp{
			Ok(202, "The load started.", JSON(Obj("The load in progress.",
				R("jobId", UUID("Identifier of the load.")),
				R("status", Str("State of the load.").Enum("queued", "running")),
			), exSingle)),
			Ok(204, "History was loaded recently; nothing to do."),
		}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/accounts/types", id: "list_account_types", tags: tags,
		summary: "List the kinds of account",
		resps: responses([]*Resp{Ok(200, "The kinds, as a plain array.", JSON(Arr("", Obj("One kind of account.",
			R("code", Str("The value of Account.type.").Hint("checking")),
			R("label", Str("How to name it to users.").Hint("Checking")),
			P("category", Str("The family it belongs to.").Enum("deposit", "credit", "loan", "investment")),
		)), exNone))}, stdErrors(401))})
	f.op(&Op{method: "patch", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/nickname", id: "setAccountNickname", tags: tags,
		summary: "Set the nickname of an account", params: []*Param{cid, acc},
		body: JBody(Obj("The nickname.",
			R("nickname", Str("The nickname; null removes it.").Len(1, 64).Null().Hints("Vacation fund", null{})),
		), exNamed).Optional(),
		resps: responses([]*Resp{Ok(204, "Set.")}, stdErrors(400, 401, 404))})
}
