# Targets for developers and CI. `make ci` is what .ci/run calls.
GO        ?= go
SHELL     := /bin/bash
.SHELLFLAGS := -o pipefail -c
HANDWRITTEN = $(shell git ls-files '*.go' | grep -v '^gen/' | grep -v '\.gen\.go$$')

.PHONY: generate check-generate lint test test-external test-redis bench-redis fuzz spec-validate spec-diff ci demo bench test-spec-scale import-spec

generate: ## regenerate from openapi.yaml: gen/, package api's models and services, the CLI's call table, the secret lists, the docs' tables
	$(GO) generate ./...

GENERATED = gen/ api/models.gen.go api/services.gen.go api/doc.go internal/apicall/calls.gen.go internal/redact/secrets.gen.go README.md docs/

check-generate: generate ## fail when the generated code is not what the spec generates
	@git diff --exit-code --stat -- $(GENERATED) || { echo "generated code is stale: run 'make generate' and commit it"; exit 1; }
	@test -z "$$(git status --porcelain -- $(GENERATED))" || { git status --porcelain -- $(GENERATED); echo "generated files not committed"; exit 1; }

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: ## go vet, gofmt on hand-written code, staticcheck (run with go run: not a module dependency)
	$(GO) vet ./...
	@out=$$(gofmt -l $(HANDWRITTEN)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...

test: ## all tests, with the race detector
	$(GO) test -race -count=1 ./...

# Bounded, so CI stays short: the seed corpus runs first, then new inputs
# for the rest of the 20 s. The sandbox answers every request (valid or
# not) without a panic, within the spec, as openapi3filter judges it.
fuzz: ## FuzzSandbox for 20 s: no request makes the sandbox panic or answer outside the spec
	$(GO) test -run '^$$' -fuzz '^FuzzSandbox$$' -fuzztime 20s ./internal/sandbox

# A module of its own (go.mod with a replace of this one, go.sum
# committed): it imports api and api/connecttest as a user's module does,
# so an internal import or a missing go.sum entry fails here as it would
# for them. -mod=readonly (the default) keeps go.sum from being patched.
# testdata/usermodule/myapp is a second one, whose path has no dot (go mod
# init myapp): the kit's failures name its lines too.
test-external: ## the test kit used from other modules (testdata/usermodule, and myapp in it), vetted, with the race detector
	cd testdata/usermodule && $(GO) vet ./... && $(GO) test -race -count=1 ./...
	cd testdata/usermodule/myapp && $(GO) vet ./... && $(GO) test -race -count=1 ./...

# The Redis token source, a module of its own (redistoken/go.mod, go.sum
# committed) so that core users never download a Redis client. Its tests
# start redis-server themselves on a free 127.0.0.1 port, without
# persistence, and re-execute the test binary as replica processes; with
# CI set, a missing redis-server fails them instead of skipping.
test-redis: ## redistoken against a real redis-server: vet, staticcheck, tests with the race detector
	cd redistoken && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./... && $(GO) test -race -count=1 ./...

# Whole rounds of the set, so a slow spell of the machine hits every
# variant alike; the ratios are taken within each round, then their median.
bench-redis: ## Source.Token once it holds a token, against a constant source and one Redis GET; prints ratios
	cd redistoken && $(GO) test -c -o .bench.test . && \
	for i in $$(seq $(BENCHCOUNT)); do ./.bench.test -test.run '^$$' -test.bench '^BenchmarkToken$$' -test.benchmem || exit 1; done | \
	awk '{ print } \
	  $$1 ~ /^BenchmarkToken\/Static-/ { st = $$3 } $$1 ~ /^BenchmarkToken\/Source-/ { so = $$3 } \
	  $$1 ~ /^BenchmarkToken\/RedisGET-/ { n++; a[n] = so / st; b[n] = $$3 / so } \
	  function median(x, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j-1] > x[j]; j--) { t = x[j]; x[j] = x[j-1]; x[j-1] = t } \
	    return n % 2 ? x[(n+1)/2] : (x[n/2] + x[n/2+1]) / 2 } \
	  END { if (n) printf "\nmedians of %d rounds: Source/Static %.2fx, RedisGET/Source %.0fx\n", n, median(a, n), median(b, n) }'; \
	status=$$?; rm -f .bench.test; exit $$status

# A spec of a real API's size: the large fixture (118 operations of our
# own, every construct generation must survive, no x- extension) merged
# into a copy of the module, then generate, build, vet, and every
# operation called through the client, the CLI and the test kit.
test-spec-scale: ## the large fixture: merge, generate, build, vet, call every operation (prints the time of each step)
	$(GO) run ./internal/tools/specscale

# Import operations of a larger spec into openapi.yaml, with the components
# they use: make import-spec SPEC=other.yaml [OPS=id1,id2] [TAGS=t1,t2]
import-spec: ## merge operations of SPEC (OPS=ids or TAGS=tags, default all) into openapi.yaml, then generate
	@test -n "$(SPEC)" || { echo "usage: make import-spec SPEC=other.yaml [OPS=id1,id2] [TAGS=tag1,tag2]"; exit 2; }
	$(GO) run ./internal/tools/specmerge $(if $(OPS),-ops $(OPS)) $(if $(TAGS),-tags $(TAGS)) -o openapi.yaml openapi.yaml $(SPEC)
	$(GO) generate ./...

spec-validate: ## load openapi.yaml, validate it (examples included), compare with gen/
	$(GO) run ./internal/tools/specvalidate openapi.yaml

spec-diff: ## fail on an unacknowledged breaking change against REF (default: previous spec commit)
	internal/tools/specdiff.sh $(REF)

BENCHCOUNT ?= 6
BENCHBIN  := $(CURDIR)/.bench.test
bench: ## client overhead vs raw net/http, validation cost, sandbox throughput; prints ratios
	$(GO) test -c -o $(BENCHBIN) ./internal/benchmarks/
	@# Separate runs of the whole set, so a slow spell of the machine hits
	@# every variant alike; benchratio pairs run i of each with run i of Raw.
	@# Each transport runs on its own, so the variants compared sit next to
	@# each other in time.
	@# The login-form benchmarks run on one CPU, so the garbage collector's
	@# work is charged to the variant that caused it instead of hiding on the
	@# other core; the sandbox load uses them all.
	for i in $$(seq $(BENCHCOUNT)); do \
	  $(BENCHBIN) -test.run '^$$' -test.bench 'LoginForm.*/mem' -test.benchmem -test.benchtime 1s -test.cpu 1 && \
	  $(BENCHBIN) -test.run '^$$' -test.bench 'LoginForm.*/loopback' -test.benchmem -test.benchtime 1s -test.cpu 1 && \
	  $(BENCHBIN) -test.run '^$$' -test.bench 'SandboxThroughput' -test.benchmem -test.benchtime 1s || exit 1; \
	done | $(GO) run ./internal/tools/benchratio
	@rm -f $(BENCHBIN)

demo: ## the CLI's demo: every operation against an in-process sandbox, no credentials
	$(GO) run ./cmd/finicity-connect demo

ci: spec-validate check-generate lint test test-external test-redis fuzz spec-diff ## everything CI checks
