# Tollgate: the two commands a new user needs are `make run` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: run test lint bench bench-quick generate check-generate build services

## run: start the gateway on its embedded default (in-process state, ./data)
run:
	$(GO) run ./hosts/server

## test: start PostgreSQL and Redis if they are down, lint, check the generated wire code, then every test with the race detector, and the tests built only without it (adapters/redis/kill_test.go says why)
test: services lint check-generate
	$(GO) test -race -count=1 $(PKGS)
	$(GO) test -count=1 -run 'SurvivesKill|SurviveKill' ./adapters/redis

## services: PostgreSQL and Redis listening on 127.0.0.1, and Chromium for the dashboard's browser test (installed with apt on a Debian machine without them)
services:
	@bash .ci/services.sh
	@sh .ci/chromium.sh

## lint: gofmt check and go vet
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

## bench: PostgreSQL and Redis started if they are down, the Go benchmarks of the hot-path pieces, then the end-to-end harness (ratios to a bare proxy, table and bench-results/bench.json)
bench:
	@bash .ci/services.sh
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	$(GO) run ./internal/bench/cmd/tollgate-bench $(BENCHFLAGS)

## bench-quick: a few-second smoke run of the end-to-end harness
bench-quick:
	$(GO) run ./internal/bench/cmd/tollgate-bench -quick

## generate: regenerate wire_gen.go from the wire.go injectors
generate:
	$(GO) tool wire ./hosts/...

## check-generate: fail when a committed wire_gen.go is not what `make generate` writes from its wire.go
check-generate:
	$(GO) tool wire ./hosts/...
	@git diff --exit-code -- '*wire_gen.go' || { echo "wire_gen.go is stale: run make generate and commit the result"; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- '*wire_gen.go'); \
	if [ -n "$$untracked" ]; then echo "wire_gen.go not committed:"; echo "$$untracked"; exit 1; fi

# The build stamps `tollgate version` and the start log; override them with
# make build VERSION=v1.2.3 (the Dockerfile takes the same as build args).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_TIME ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS = -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildTime=$(BUILD_TIME)

## build: a static binary in ./bin, stamped with its version, commit and build time
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/tollgate ./hosts/server
