# Tollgate: the two commands a new user needs are `make run` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: run test lint bench generate build services

## run: start the gateway on its embedded default (in-process state, ./data)
run:
	$(GO) run ./hosts/server

## test: start PostgreSQL and Redis if they are down, lint, then every test with the race detector
test: services lint
	$(GO) test -race -count=1 $(PKGS)

## services: PostgreSQL and Redis listening on 127.0.0.1 (installed with apt on a Debian machine without them)
services:
	@bash .ci/services.sh

## lint: gofmt check and go vet
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

## bench: Go benchmarks of the hot-path pieces, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

## generate: regenerate wire_gen.go from the wire.go injectors
generate:
	$(GO) tool wire ./hosts/...

## build: a static binary in ./bin
build:
	CGO_ENABLED=0 $(GO) build -o bin/tollgate ./hosts/server
