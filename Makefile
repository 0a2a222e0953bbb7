# Tollgate: the two commands a new user needs are `make run` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: run test lint bench generate build

## run: start the gateway on its embedded default (in-process state, ./data)
run:
	$(GO) run ./hosts/server

## test: lint, then every test with the race detector
test: lint
	$(GO) test -race -count=1 $(PKGS)

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
