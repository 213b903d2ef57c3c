# platform-functions. Everything runs offline from the Go module cache: the
# crossplane CLI is the Go tool pinned in go.mod (go tool crank).

GO          ?= go
GOTEST_FLAGS ?= -timeout 30m
FUNCTIONS   := $(notdir $(patsubst %/main.go,%,$(wildcard functions/*/main.go)))
EXAMPLES    ?=

.PHONY: help render test test-unit generate check-generate build bench lint clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

render: ## Main job: render every example claim into managed resources (converged, validated).
	$(GO) run ./test/cmd/render --converge --validate $(EXAMPLES)

test: ## Every test: unit, generated-file staleness, render + validate + converge of every example.
	$(GO) vet ./...
	$(GO) test $(GOTEST_FLAGS) ./...

test-unit: ## Unit tests only (no crank).
	$(GO) test $(GOTEST_FLAGS) ./apis/... ./internal/... ./functions/...

generate: ## Regenerate deepcopy, the XRDs, the input CRDs and docs/api from the Go types.
	$(GO) generate ./apis/...

update-golden: ## Rewrite the golden render files; review the diff like code.
	$(GO) test ./test/ -update

build: ## Build every function binary into bin/.
	@mkdir -p bin
	@for f in $(FUNCTIONS); do \
		echo "building function-$$f"; \
		CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o bin/function-$$f ./functions/$$f || exit 1; \
	done

bench: ## RunFunction benchmarks.
	$(GO) test -run '^$$' -bench . -benchmem ./functions/...

clean: ## Remove build outputs.
	rm -rf bin dist _output
