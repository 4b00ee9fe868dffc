module github.com/finicity-go/connect-components/redistoken

go 1.26.8

require (
	github.com/finicity-go/connect-components v0.0.0
	github.com/redis/go-redis/v9 v9.23.0
	golang.org/x/sync v0.22.0
)

require (
	github.com/apapsch/go-jsonmerge/v2 v2.0.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/getkin/kin-openapi v0.153.0 // indirect
	github.com/go-openapi/jsonpointer v0.23.1 // indirect
	github.com/go-openapi/swag/jsonname v0.26.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/oapi-codegen/runtime v1.9.0 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.yaml.in/yaml/v4 v4.0.0 // indirect
	golang.org/x/net v0.57.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.40.0 // indirect
)

// The SDK as it is in this repository, for development. Go applies a
// replace only in the main module, so users of redistoken never see it:
// a release sets the require above to the core's tagged version.
replace github.com/finicity-go/connect-components => ../
