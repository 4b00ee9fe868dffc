package main

func (f *fixture) notifications() {
	eventType := Str("Kind of event.").Enum("account.refreshed", "report.ready", "transfer.settled", "consent.revoked")
	f.schema("Subscription", Obj("A webhook subscription: events of these kinds are delivered to this endpoint.",
		P("id", UUID("Identifier of the subscription.").RO()),
		R("endpoint", URI("Where events are delivered (HTTPS only).")),
		R("events", Arr("Kinds of event delivered.", eventType).MinItems(1)),
		P("active", Bool("Whether deliveries happen.").Default(true)),
		P("createdDate", DateTime("When the subscription was created.").RO()),
		P("signingSecret", AllOf("The secret deliveries are signed with (metadata only).", Ref("Secret"))),
		P("labels", Obj("Labels of the partner's own.").Addl(Str("A label's value.")).Hint(omap{{"team", "lending"}})),
	))
	f.schema("WebhookEndpointRequest", Obj("A subscription to create.",
		R("endpoint", URI("Where events are delivered (HTTPS only).")),
		R("events", Arr("Kinds of event to deliver.", eventType).MinItems(1)),
		P("apiKey", Str("A key the platform sends in the X-Api-Key header of each delivery, so the endpoint can authenticate it.").Len(16, 128)),
		P("headers", Obj("More headers to send with each delivery, by name.").Addl(Str("The header's value.").Len(0, 512)).
			Hint(omap{{"X-Partner-Env", "production"}})),
	))
	f.body("WebhookEndpoint", &Body{desc: "A subscription to create. (A request body component with the name of a parameter component.)", required: true,
		media: []Media{JSON(Ref("WebhookEndpointRequest"), exNamedRef)}})
	f.schema("AccountEventPayload", Obj("Data of an event about an account.",
		R("accountId", Ref("AccountId").D("The account.")),
		R("customerId", Ref("CustomerId").D("Its customer.")),
		P("refreshedDate", DateTime("When the account was refreshed.")),
	))
	f.schema("ReportEventPayload", Obj("Data of an event about a report.",
		R("reportId", Ref("ReportId").D("The report.")),
		R("reportType", Str("Kind of report.").Enum("voa", "voi", "voe", "cfr")),
	))
	f.schema("Event", Obj("Something that happened, as delivered to subscriptions.",
		R("id", Str("Identifier of the event.").Len(1, 64).Hint("evt_01HM3K9Q2V")),
		R("type", eventType),
		R("createdDate", DateTime("When it happened.")),
		P("customerId", Ref("CustomerId").D("The customer concerned, when there is one.")),
		R("payload", AnyOf("Data of the event; which members come depends on type.", Ref("AccountEventPayload"), Ref("ReportEventPayload"))),
		P("deliveries", Arr("Delivery attempts so far.", Obj("One attempt.",
			R("attemptedAt", DateTime("When.")),
			R("statusCode", Int32("HTTP status the endpoint answered; 0 when it could not be reached.").Min(0).Max(599).Hint(200)),
		))),
	))

	tags := []string{"Notifications"}
	sub := PathParam("subscriptionId", "Identifier of the subscription.", UUID(""))
	event := PathParam("eventId", "Identifier of the event.", Str("").Len(1, 64).Hint("evt_01HM3K9Q2V"))
	f.op(&Op{method: "get", path: "/notifications/v1/subscriptions", id: "listSubscriptions", tags: tags,
		summary: "List webhook subscriptions",
		params:  []*Param{ParamRef("WebhookEndpoint"), Query("active", "Only active (true) or inactive (false) subscriptions.", Bool(""))},
		resps:   responses([]*Resp{Ok(200, "The subscriptions.", JSON(Arr("", Ref("Subscription")), exSingle))}, stdErrors(401))})
	f.op(&Op{method: "post", path: "/notifications/v1/subscriptions", id: "createSubscription", tags: tags,
		summary: "Subscribe an endpoint to events",
		desc: "Creates a subscription and its signing secret.\n\n" +
			"Deliveries are signed with the secret; the secret itself is never returned, only its fingerprint.",
		body:  &Body{ref: "WebhookEndpoint"},
		resps: responses([]*Resp{Ok(201, "The subscription.", JSON(Ref("Subscription"), exSingle))}, stdErrors(400, 401, 409))})
	f.op(&Op{method: "get", path: "/notifications/v1/subscriptions/{subscriptionId}", id: "getSubscriptionById", tags: tags,
		summary: "Get a subscription", params: []*Param{sub},
		resps: responses([]*Resp{Ok(200, "The subscription.", JSON(Ref("Subscription"), exNone))}, stdErrors(401, 404))})
	f.op(&Op{method: "delete", path: "/notifications/v1/subscriptions/{subscriptionId}", id: "deleteSubscriptionById", tags: tags,
		summary: "Delete a subscription", params: []*Param{sub},
		resps: responses([]*Resp{Ok(204, "Deleted.")}, stdErrors(401, 404))})
	f.op(&Op{method: "post", path: "/notifications/v1/subscriptions/{subscriptionId}/test", id: "send_test_event", tags: tags,
		summary: "Send a test event to a subscription", params: []*Param{sub},
		resps: responses([]*Resp{Ok(202, "The test event is queued.", JSON(Obj("The queued delivery.",
			R("deliveryId", UUID("Identifier of the delivery.")),
			R("queuedAt", DateTime("When it was queued.")),
		), exSingle))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/notifications/v1/events", id: "listEvents", tags: tags,
		summary: "List recent events",
		desc:    "Lists events of the last 30 days, newest first, whether or not they were delivered.",
		params: append([]*Param{
			ParamRef("FromDate"), ParamRef("ToDate"),
			Query("types", "Only events of these kinds.", Arr("", Str("").Enum("account.refreshed", "report.ready", "transfer.settled", "consent.revoked"))).Form(),
			Header("Partner-Correlation-Id", "Only events of requests that carried this correlation id.", Str("").Len(1, 64)),
		}, paging()...),
		resps: responses([]*Resp{Ok(200, "The events.", JSON(Obj("A page of events.",
			R("events", Arr("The events.", Ref("Event"))),
			P("nextCursor", Str("Where the next page starts; null on the last page.").Null().Hint(null{})),
		), exSingle))}, stdErrors(400, 401))})
	f.op(&Op{method: "get", path: "/notifications/v1/events/{eventId}", id: "getEventById", tags: tags,
		summary: "Get an event", params: []*Param{event},
		resps: responses([]*Resp{Ok(200, "The event.", JSON(Ref("Event"), exNamed))}, stdErrors(401, 404))})
	f.op(&Op{method: "post", path: "/notifications/v1/events/{eventId}/redeliveries", id: "redeliverEvent", tags: tags,
		summary: "Deliver an event again", params: []*Param{event},
		resps: responses([]*Resp{Ok(202, "Queued for delivery.", JSON(Obj("The queued delivery.",
			R("deliveryId", UUID("Identifier of the delivery.")),
		), exNone))}, stdErrors(401, 404))})
	f.op(&Op{method: "get", path: "/notifications/v1/health", id: "get_notification_health", tags: tags,
		summary: "Check the delivery service",
		resps: responses([]*Resp{Ok(200, "OK when deliveries are flowing, as plain text.", Media{mediaType: "text/plain", schema: Str("").Len(2, 64), mode: exSingle, value: "OK"})},
			stdErrors(401))})
}
