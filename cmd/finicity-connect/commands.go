package main

// commands lists every subcommand. Names follow the API's resources, as a
// user would guess them: <resource> <verb>.
var commands = []command{
	{
		name: "configurations create", summary: "Create a configuration (Configurations.Create, PostConfigurations)", api: true,
		example: "finicity-connect configurations create --filter-accounts Checking,Savings --account-classification-type personal --ao-required",
		setup:   configurationsCreate,
	},
	{
		name: "configurations list", summary: "List this partner's configurations (Configurations.List, GetConfigurations)", api: true,
		example: "finicity-connect configurations list --output table",
		setup:   configurationsList,
	},
	{
		name: "configurations get", args: "<configuration-id>", summary: "Get one configuration (Configurations.Get, GetConfigurationsConfigurationID)", api: true,
		example: "finicity-connect configurations get 605543e1-f507-48ad-8127-95c40566597b",
		setup:   configurationsGet,
	},
	{
		name: "configurations delete", args: "<configuration-id>", summary: "Delete a configuration (Configurations.Delete, DeleteConfigurationsConfigurationID)", api: true,
		example: "finicity-connect configurations delete 605543e1-f507-48ad-8127-95c40566597b",
		setup:   configurationsDelete,
	},
	{
		name: "login-forms create", args: "[<institution-id>]", summary: "Create a login form (LoginForms.Create, PostInstitutionsInstitutionIDLoginForms)", api: true,
		example: "finicity-connect login-forms create --institution-id 170716 --customer-id 1005061234 --language en \\\n    --configuration-id 605543e1-f507-48ad-8127-95c40566597b",
		setup:   loginFormsCreate,
	},
	{
		name: "oauth-urls create", args: "[<institution-id>]", summary: "Create an OAuth URL (OAuthURLs.Create, PostInstitutionsInstitutionIDOauthUrls)", api: true,
		example: "finicity-connect oauth-urls create --institution-id 170716 --customer-id 1005061234 \\\n    --redirect-uri https://partner.example.com/oauth/complete",
		setup:   oauthURLsCreate,
	},
	{
		name: "reconnections create", args: "[<customer-id> <institution-login-id>]", summary: "Start a reconnection: a login form (201) or MFA challenges (203) (Reconnections.Create, PostReconnections)", api: true,
		example: "finicity-connect reconnections create --customer-id 1005061234 --institution-login-id 7008461433",
		setup:   reconnectionsCreate,
	},
	{
		name: "token", summary: "Print a fresh Finicity-App-Token from partner authentication (Partners.Authenticate, CreateToken)", api: true, partnerAuth: true,
		example: "finicity-connect token --sandbox\nFINICITY_APP_KEY=... FINICITY_PARTNER_ID=... FINICITY_PARTNER_SECRET=... finicity-connect token --output table",
		setup:   tokenCreate,
	},
	{
		name: "sandbox", summary: "Serve the local sandbox until interrupted; once listening, print {\"url\":...,\"pid\":...} on stdout",
		example: "finicity-connect sandbox --addr 127.0.0.1:4010 --check-tokens\nfinicity-connect sandbox --addr 127.0.0.1:0 --state ./sandbox-state.json\n# prints one line on stdout once listening (stop it by its pid):\n# {\"url\":\"http://127.0.0.1:43125\",\"pid\":1234,\"partnerId\":\"sandbox-partner\",\"tokenCheck\":false,\"stateFile\":\"/home/me/sandbox-state.json\"}\n# partner credentials: sandbox-partner / sandbox-secret (the line leaves the secret out)",
		setup:   serveSandbox,
	},
	{
		name: "sandbox reset", summary: "Empty the state file that --sandbox keeps between runs",
		example: "finicity-connect sandbox reset\nfinicity-connect sandbox reset --state ./sandbox-state.json",
		setup:   resetSandboxState,
	},
	{
		name: "proxy", summary: "Validating proxy in front of the API: forward every request unchanged, report each departure from the spec, record a secret-free HAR",
		example: "finicity-connect proxy --upstream https://api.finicity.com --report drift.jsonl --har traffic.har\n# prints {\"url\":\"http://127.0.0.1:4011\",\"pid\":1234,\"upstream\":\"https://api.finicity.com\"} once listening;\n# point your app at the url; stop it with SIGINT or SIGTERM for a summary",
		setup:   proxyCommand,
	},
	{
		name: "conformance", summary: "Run the safe journey against the API and check every answer against the spec (exit 1 on any departure)", api: true,
		example: "finicity-connect conformance --output table\nfinicity-connect conformance --institution-id 170716 --customer-id 1005061234 --institution-login-id 7008461438\n# exit 0: no departure (informational unknown fields aside); 1: any departure; 2: usage, or credentials rejected; 3: no answer",
		setup:   conformanceCommand,
	},
	{
		name: "demo", summary: "Run every operation against a fresh in-memory sandbox, narrated (stateless: the --sandbox state file is untouched)",
		example: "finicity-connect demo",
		setup:   demo,
	},
	{
		name: "version", summary: "Print the versions of finicity-connect, of the SDK (api.Version) and of Go",
		example: "finicity-connect version",
		setup:   version,
	},
}
