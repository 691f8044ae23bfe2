# The messenger's everyday commands. `make test` is what CI runs.
GO ?= go

.PHONY: all generate build run test test-clients lint lint-web check-generated bench bench-micro fuzz ide check-ide test-ide web check-web test-web test-web-unit

all: lint test

generate: clients/node_modules
	$(GO) tool gqlgen generate
	$(GO) tool genqlient client/genqlient.yaml
	cd clients && npx --no-install graphql-codegen --silent

build:
	$(GO) build -o bin/messenger ./server

run:
	$(GO) run ./server

# Every package under the race detector; the PostgreSQL variants need the
# server of MESSENGER_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test).
test:
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory test-web-unit
	$(MAKE) --no-print-directory test-clients

# The client libraries (clients/: graphql-sse, graphql-ws, urql, Apollo Client, eventsource,
# graphql-http's audit) against a fresh build of the server, which each test file starts on
# its own; first tsc type-checks the typed documents of graphql-codegen (clients/gql/) in use.
test-clients: clients/node_modules
	cd clients && npx --no-install tsc --noEmit -p tsconfig.json
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	$(GO) build -o "$$dir/messenger" ./server && \
	cd clients && MESSENGER_BIN="$$dir/messenger" node --test test/*.test.js

clients/node_modules: clients/package-lock.json
	cd clients && npm ci --no-audit --no-fund
	@touch $@

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(MAKE) --no-print-directory lint-web

# The web app's sources (web/app): ESLint (eslint.config.js: typescript-eslint's
# type-checked rules, no work at import time) and Prettier (.prettierrc.json),
# both pinned in its lockfile and offline once npm ci is done. To reformat:
# cd web/app && npx prettier --write .
lint-web: web/app/node_modules
	cd web/app && npx --no-install eslint --max-warnings 0 .
	cd web/app && npx --no-install prettier --check --log-level warn .

check-generated: generate check-ide check-web
	@git diff --exit-code -- graph schema client clients/gql || (echo "generated code is stale: run make generate and commit"; exit 1)
	@untracked=$$(git status --porcelain -- graph client clients/gql | grep '^??' || true); \
	if [ -n "$$untracked" ]; then echo "$$untracked"; echo "generate left untracked files"; exit 1; fi

# The load tool (bench/): the real server as its own process against a fresh
# database on the local PostgreSQL (and NATS for the two-instance phase);
# prints one table, writes bench/out/results.json and report.html. E.g.
# BENCHFLAGS='-quick', '-phases write,mix' or '-server-bin old/messenger -out bench/out/before';
# then `go run ./bench -report bench/out/results.json -compare bench/out/before/results.json`
# prints the two runs side by side.
BENCHFLAGS ?=
bench:
	$(GO) run ./bench $(BENCHFLAGS)

# The Go micro-benchmarks (testing.B): the hub's publish path and the bus
# event codec, the write path, the document limits; six counts each so that
# two runs compare with benchstat. The output is also kept in bench/out/micro.txt.
MICRO_PKGS ?= ./internal/pubsub/ ./internal/chat/ ./graph/
MICROFLAGS ?= -count 6
bench-micro:
	@mkdir -p bench/out
	@{ $(GO) test -run '^$$' -bench . -benchmem $(MICROFLAGS) $(MICRO_PKGS); echo $$? > bench/out/micro.status; } | tee bench/out/micro.txt; \
	exit $$(cat bench/out/micro.status)

# Every fuzz target for FUZZTIME each (go test fuzzes one target per run): a
# count of inputs rather than a duration, because a duration can end in the
# fuzzing engine's own "context deadline exceeded" on a busy machine.
# Inputs that fail are written to the package's testdata/fuzz/<target>/,
# where `make test` replays them: commit them as regression tests.
FUZZTIME ?= 20000x
FUZZFLAGS ?= -parallel 1
FUZZ_TARGETS = \
	./internal/chat:FuzzDecodeEventCursor \
	./internal/chat:FuzzDecodeMessageCursor \
	./internal/chat:FuzzDecodeConversationCursor \
	./internal/chat:FuzzPageCursors \
	./internal/chat:FuzzTextInput \
	./internal/auth:FuzzTokensVerify \
	./internal/auth:FuzzHashTicket \
	./internal/auth:FuzzTicketMiddleware \
	./graph/transport:FuzzReadBodies \
	./graph/transport:FuzzEventSourceGET

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) $${t%%:*}; \
	done

# The GraphQL IDE's third-party files (internal/ide/assets/vendor): `ide`
# copies them from the npm versions pinned in web/ide/package-lock.json,
# `check-ide` verifies them against their SHA256SUMS (offline), `test-ide`
# runs the IDE in headless Chromium (also part of `test` once npm ci is done).
ide:
	scripts/ide-assets.sh update

check-ide:
	scripts/ide-assets.sh check

test-ide:
	cd web/ide/browser-test && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(GO) test -race -count=1 -run '^TestIDE' ./server/

# The web app at /app/ (web/app: Preact, urql, graphql-sse): `web` generates its
# typed documents from schema/ (web/app/src/gql), type-checks it and bundles it
# with esbuild into internal/webapp/dist, which is committed and embedded, so
# `go run ./server` needs no npm step; `check-web` (part of check-generated)
# rebuilds and fails if the committed files differ (the build is
# byte-reproducible); `test-web` runs it in headless Chromium (also part of
# `test` once npm ci is done).
web: web/app/node_modules
	cd web/app && npx --no-install graphql-codegen --silent
	cd web/app && npx --no-install tsc --noEmit -p tsconfig.json
	cd web/app && node build.mjs --size

web/app/node_modules: web/app/package-lock.json
	cd web/app && npm ci --no-audit --no-fund
	@touch $@

check-web: web
	@git diff --exit-code -- web/app/src/gql internal/webapp/dist || (echo "the web app's bundle is stale: run make web and commit"; exit 1)
	@untracked=$$(git status --porcelain -- web/app/src/gql internal/webapp/dist | grep '^??' || true); \
	if [ -n "$$untracked" ]; then echo "$$untracked"; echo "make web left untracked files"; exit 1; fi

test-web: web/app/node_modules
	$(GO) test -race -count=1 -run '^TestWebApp' ./server/

# The web app's unit tests (node's test runner, web/app/test/unit): the merge
# and ordering rules of src/logic/ and the list's state, run on the
# TypeScript sources themselves (compiled by esbuild as they load,
# test/unit/ts-hooks.mjs); part of `make test`.
test-web-unit: web/app/node_modules
	cd web/app && node --import ./test/unit/register.mjs --test test/unit/*.test.mjs
