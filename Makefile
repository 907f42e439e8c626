# followup: make test is what CI runs (.ci/run).
GO ?= go
PKGS := ./...

.PHONY: test vet fmt-check build bench lint clean

test: vet fmt-check
	CGO_ENABLED=1 $(GO) test -race -count=1 $(PKGS)

vet:
	CGO_ENABLED=1 $(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

build:
	CGO_ENABLED=1 $(GO) build -o bin/followup ./cmd/followup

bench:
	CGO_ENABLED=1 $(GO) run ./cmd/followupbench -out BENCHMARKS.md

lint: vet
	@if command -v staticcheck >/dev/null; then staticcheck $(PKGS); else echo "staticcheck not installed; ran go vet only"; fi

clean:
	rm -rf bin
