package main

func (f *fixture) transactions() {
	f.schema("Transaction", Obj("One transaction of an account.",
		R("id", Int64("Identifier of the transaction.").Min(1)),
		R("amount", Double("Amount: negative for money out, positive for money in.").Hint(-4.75)),
		R("accountId", Int64("The account.").Min(1).Hint(int64(6001234567))),
		R("customerId", Ref("CustomerId").D("The customer.")),
		R("status", Str("pending transactions may change or vanish; shadow ones are estimates.").Enum("active", "pending", "shadow")),
		R("description", Str("Description as the institution gives it.")),
		P("memo", Str("Memo line, raw, as whoever wrote it typed it.\n// here, and */ or /* anywhere, are text, not comments.").Null().Hints("Ref 00042 */ paid", null{})),
		P("type", Str("Kind of transaction, when the institution says.").Enum("debit", "credit", "fee", "transfer", "check")),
		R("postedDate", DateTime("When the transaction posted.")),
		P("transactionDate", DateTime("When it took place; null when the institution does not say.").Null()),
		P("createdDate", DateTime("When it was first aggregated.").RO()),
		P("categorization", Obj("What the platform made of the description.",
			P("normalizedPayeeName", Str("The payee, cleaned up.").Hint("Café Lumière")),
			P("category", Str("Category code.").Hint("restaurants")),
			P("bestRepresentation", Str("The most readable form of the description.")),
			P("country", Str("Country of the payee, ISO 3166-1 alpha-2.").Len(2, 2).Hint("US")),
		)),
		P("splits", Arr("Parts of the amount assigned to different categories.", Obj("One part.",
			R("amount", Double("Amount of this part.").Hint(-2.5)),
			R("category", Str("Category code of this part.").Hint("restaurants")),
		))),
		P("labels", Obj("Labels the partner attached, by name.").Addl(Str("The label's value.").Len(0, 128)).
			Hint(omap{{"project", "kitchen-remodel"}, {"reviewed", "yes"}})),
	))
	f.schema("TransactionList", Obj("A page of transactions.",
		R("found", Int32("How many transactions match.").Min(0)),
		R("displaying", Int32("How many are on this page.").Min(0)),
		R("moreAvailable", Bool("Whether another page follows.")),
		P("fromDate", Date("First day covered.")),
		P("toDate", Date("Last day covered.")),
		R("transactions", Arr("The transactions, newest first.", Ref("Transaction"))),
	))
	f.schema("TestTransactionRequest", Obj("A transaction to add to a testing customer's account.",
		R("amount", Double("Amount, negative for money out.").Min(-1000000).Max(1000000)),
		R("description", Str("Description.").Len(1, 255)),
		P("status", Str("State.").Enum("active", "pending").Default("active")),
		R("postedDate", DateTime("When it posts.")),
		P("transactionDate", DateTime("When it took place.")),
	))
	f.schema("CategoryDefinition", Obj("A category of the partner's own.",
		R("name", Str("Name of the category.").Len(1, 64).Hint("Home office")),
		P("parent", Str("Code of the parent category; null for a top-level one.").Null().Hints("utilities", null{})),
		P("keywords", Arr("Words that put a transaction in this category.", Str("A word.").Len(1, 32))),
	))
	f.body("TransactionCategory", &Body{desc: "A category. (A request body component with the name of a parameter component.)", required: true,
		media: []Media{JSON(Ref("CategoryDefinition"), exNamed)}})
	f.schema("TransactionSplit", Obj("A part of a transaction assigned to a category.",
		P("splitId", UUID("Identifier of the part.").RO()),
		R("amount", Double("Amount of the part.")),
		R("category", Str("Category code.")),
		P("memo", Str("Why the part was split off.")),
	))
	f.schema("TransactionSummary", Obj("Totals of a customer's transactions over a period.",
		R("fromDate", Date("First day covered.")),
		R("toDate", Date("Last day covered.")),
		R("totalsByCategory", Obj("Sum of amounts, by category code.").Addl(Double("The sum.")).
			Hint(omap{{"groceries", -412.37}, {"payroll", 3200.0}})),
		P("countsByType", Obj("Number of transactions, by type.").Addl(Int32("The count.").Min(0))),
		P("currency", Str("Currency of the totals.").Len(3, 3).Hint("USD")),
	))

	tags := []string{"Transactions"}
	cid := ParamRef("CustomerId")
	acc := ParamRef("AccountId")
	txn := PathParam("transactionId", "Identifier of the transaction.", Int64("").Min(1))
	requiredDates := []*Param{
		Query("fromDate", "First day included.", Date("")).Req().WithExample(),
		Query("toDate", "Last day included.", Date("")).Req().WithExample(),
	}
	listParams := func(extra ...*Param) []*Param {
		ps := append([]*Param{cid}, extra...)
		ps = append(ps, requiredDates...)
		ps = append(ps, paging()...)
		return append(ps,
			Query("sort", "Order of the results.", Str("").Enum("asc", "desc").Default("desc")),
			Query("includePending", "Whether pending transactions are listed.", Bool("").Default(true)),
			Query("categories", "Only these categories.", Arr("", Str("").Len(1, 64))).Form(),
		)
	}
	f.op(&Op{method: "get", path: "/aggregation/v3/customers/{customer_id}/transactions", id: "listCustomerTransactions", tags: tags,
		summary: "List a customer's transactions",
		desc: "Lists transactions of every account of the customer between two dates.\n\n" +
			"Both dates are required and at most two years apart. Results are paged: `start` and `limit` select the page.",
		params: listParams(),
		resps:  responses([]*Resp{Ok(200, "A page of transactions.", JSON(Ref("TransactionList"), exSingle)).With(rl()...)}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v3/customers/{customer_id}/accounts/{accountId}/transactions", id: "listAccountTransactions", tags: tags,
		summary: "List an account's transactions",
		params:  listParams(acc),
		resps:   responses([]*Resp{Ok(200, "A page of transactions.", JSON(Ref("TransactionList"), exNone))}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v2/customers/{customer_id}/transactions/{transactionId}", id: "getTransactionById", tags: tags,
		summary: "Get a transaction", params: []*Param{cid, txn},
		resps: responses([]*Resp{Ok(200, "The transaction.", JSON(Ref("Transaction"), exNamed))}, stdErrors(401, 404))})
	f.op(&Op{method: "put", path: "/aggregation/v2/customers/{customer_id}/transactions/{transactionId}/category", id: "categorize_transaction", tags: tags,
		summary: "Put a transaction in a category of the partner's own",
		params:  []*Param{cid, txn},
		body:    &Body{ref: "TransactionCategory"},
		resps:   responses([]*Resp{Ok(204, "Categorized.")}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "post", path: "/aggregation/v1/customers/{customer_id}/accounts/{accountId}/transactions/testing", id: "createTestTransaction", tags: tags,
		summary: "Add a transaction to a testing account", params: []*Param{cid, acc},
		body: JBody(Ref("TestTransactionRequest"), exSingle),
		resps: responses([]*Resp{Ok(201, "The transaction's identifier.", JSON(Obj("The new transaction.",
			R("id", Int64("Identifier of the new transaction.").Min(1)),
			R("createdDate", DateTime("When it was added.")),
		), exSingle))}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v1/transactions/categories", id: "listTransactionCategories", tags: tags,
		summary: "List transaction categories",
		params:  []*Param{ParamRef("TransactionCategory")},
		resps: responses([]*Resp{Ok(200, "The categories, as a plain array.", JSON(Arr("", Obj("One category.",
			R("code", Str("Code of the category.").Hint("restaurants")),
			R("name", Str("Name of the category.").Hint("Restaurants")),
			P("parentCode", Str("Code of the parent; null for top-level categories.").Null().Hint(null{})),
		)), exSingle))}, stdErrors(401))})
	f.op(&Op{method: "post", path: "/aggregation/v1/transactions/categories", id: "createTransactionCategory", tags: tags,
		summary: "Create a category of the partner's own",
		body:    &Body{ref: "TransactionCategory"},
		resps: responses([]*Resp{Ok(201, "The category's code.", JSON(Obj("The new category.",
			R("code", Str("Code of the new category.").Hint("home-office")),
		), exSingle))}, stdErrors(400, 401, 409))})
	f.op(&Op{method: "get", path: "/aggregation/v3/customers/{customer_id}/transactions/export", id: "export_transactions_csv", tags: tags,
		summary: "Export transactions as CSV",
		params:  []*Param{cid, requiredDates[0], requiredDates[1]},
		resps: responses([]*Resp{Ok(200, "The transactions, one per line, with a header line.", Media{mediaType: "text/csv", schema: Str(""), mode: exSingle,
			value: "id,postedDate,amount,description\n5000007919,2024-02-03,-4.75,Café Lumière\n5000015838,2024-02-04,3200.00,Payroll\n"})},
			stdErrors(400, 401, 404))})
	f.op(&Op{method: "post", path: "/aggregation/v1/customers/{customer_id}/transactions/enrich", id: "enrichTransactions", tags: tags,
		summary: "Enrich transactions from elsewhere",
		desc: "Categorizes transactions the partner obtained elsewhere.\n\n" +
			"Nothing is stored: the answer holds one entry per transaction sent, in the same order.",
		params: []*Param{cid},
		body: JBody(Obj("The transactions to enrich.",
			R("transactions", Arr("At most 1000 transactions.", Obj("A transaction to enrich.",
				R("id", Str("The partner's identifier of the transaction, echoed in the answer.").Len(1, 64)),
				R("description", Str("Description as the partner has it.").Len(1, 255)),
				R("amount", Double("Amount, negative for money out.")),
				P("date", Date("When it took place.")),
			)).MinItems(1)),
		), exNamed),
		resps: responses([]*Resp{Ok(200, "One entry per transaction sent.", JSON(Arr("", Obj("An enriched transaction.",
			R("id", Str("The partner's identifier, as sent.")),
			P("merchant", Obj("The merchant, when one was recognized.",
				R("name", Str("Name of the merchant.").Hint("Café Lumière")),
				P("website", URI("Web site; null when unknown.").Null().Hint(null{})),
				P("logo", URI("Logo; null when unknown.").Null()),
			)),
			R("category", Str("Category code.").Hint("restaurants")),
			P("confidence", Double("Confidence in the category, 0 to 1.").Min(0).Max(1).Hint(0.93)),
		)), exSingle))}, stdErrors(400, 401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v2/customers/{customer_id}/transactions/{transactionId}/splits", id: "listTransactionSplits", tags: tags,
		summary: "List the parts of a split transaction", params: []*Param{cid, txn},
		resps: responses([]*Resp{Ok(200, "The parts.", JSON(Arr("", Ref("TransactionSplit")), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "delete", path: "/aggregation/v2/customers/{customer_id}/transactions/{transactionId}/splits", id: "deleteTransactionSplits", tags: tags,
		summary: "Undo the split of a transaction", params: []*Param{cid, txn},
		resps: responses([]*Resp{Ok(204, "The transaction is whole again.")}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/aggregation/v3/customers/{customer_id}/transactions/summary", id: "getTransactionSummary", tags: tags,
		summary: "Sum a customer's transactions by category",
		params:  []*Param{cid, ParamRef("FromDate"), ParamRef("ToDate")},
		resps:   responses([]*Resp{Ok(200, "The totals.", JSON(Ref("TransactionSummary"), exSingle))}, stdErrors(400, 401, 404))})
}
