# platform-functions. Everything runs offline from the Go module cache: the
# crossplane CLI is the Go tool pinned in go.mod (go tool crank).

GO          ?= go
GOTEST_FLAGS ?= -timeout 30m
FUNCTIONS   := $(notdir $(patsubst %/main.go,%,$(wildcard functions/*/main.go)))
EXAMPLES    ?=
# Go build flags of every function binary: make build, make xpkg
# (internal/xpkg.GoBuildFlags) and the Dockerfile use the same ones.
GO_BUILD_FLAGS := -trimpath -buildvcs=false -ldflags="-s -w"
# Packages: platforms of the function packages, and where make xpkg-push
# pushes (crossplane.yaml's dependsOn names this registry).
XPKG_ARCHES   ?= amd64,arm64
XPKG_REGISTRY ?= xpkg.crossplane.io/devsecops
VERSION       ?= v0.1.0

.PHONY: e2e fuzz help render test test-unit generate check-generate build xpkg xpkg-push bench lint clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

render: ## Main job: render every example claim into managed resources (converged, validated).
	$(GO) run ./test/cmd/render --converge --validate $(EXAMPLES)

test: ## Every test: unit, generated-file staleness, render + validate + converge of every example, Argo CD compatibility.
	@unformatted=$$(gofmt -l apis cmd functions internal test); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test $(GOTEST_FLAGS) ./...
	cd test/argocdcompat && $(GO) test $(GOTEST_FLAGS) ./...

E2E_TIMEOUT ?= 45m
e2e: ## End to end on a real hub (Linux; builds kube-apiserver, etcd, Crossplane): packages installed from a registry, the roadmap claim applied, Ready, deleted.
	PLATFORM_E2E=1 $(GO) test -timeout $(E2E_TIMEOUT) -count=1 -v -run TestEKSClaimOnARealHub ./test/e2e/

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
		CGO_ENABLED=0 $(GO) build $(GO_BUILD_FLAGS) -o bin/function-$$f ./functions/$$f || exit 1; \
	done

xpkg: ## Build the Crossplane packages into dist/ without Docker: every function (linux/amd64+arm64) and the Configuration.
	$(GO) run ./cmd/xpkg build --out dist --arch $(XPKG_ARCHES)

xpkg-push: ## Push dist/ to $(XPKG_REGISTRY) as $(VERSION): functions as multi-platform packages, then the Configuration.
	$(GO) run ./cmd/xpkg push --out dist --arch $(XPKG_ARCHES) --registry $(XPKG_REGISTRY) --version $(VERSION)

bench: ## One table, a row per function: RunFunction in-process, its floor, over gRPC (p50/p99, 1-8 callers), peak RSS, cold start, binary size (docs/PERFORMANCE.md).
	$(GO) run ./test/bench/loadgen

FUZZTIME ?= 60s
fuzz: ## Fuzz every function's RunFunction for FUZZTIME each (go test runs the seeds on every make test).
	@for f in $(FUNCTIONS); do \
		echo "fuzzing function-$$f for $(FUZZTIME)"; \
		$(GO) test ./functions/$$f -run '^$$' -fuzz '^FuzzRunFunction$$' -fuzztime $(FUZZTIME) || exit 1; \
	done

clean: ## Remove build outputs.
	rm -rf bin dist _output
