# The two commands: `make run` (everything, throwaway servers, three simulated hosts) and
# `make test` (installs what is missing, runs every test against real Redis and Postgres).
.PHONY: run test format format-check build deps clean bench bench-consumer bench-reconcile bench-api bench-scale chaos chaos-ci

deps:
	@scripts/install-deps.sh

build: deps
	dotnet build Lifecycle.sln -c Release

run: deps
	@scripts/run-dev.sh

# Two lanes of tests side by side, each with servers of its own (scripts/test.sh).
test: deps
	@scripts/test.sh

# The code as `dotnet format` writes it (.editorconfig: whitespace, sorted usings, style rules);
# `make format` rewrites it so, `make format-check` fails on any difference (CI runs it).
format:
	dotnet format Lifecycle.sln

format-check:
	dotnet format Lifecycle.sln --verify-no-changes

# Benchmarks write bench/results/<date>-<machine>-<part>.md (and .json).
bench: bench-consumer bench-reconcile bench-api

bench-consumer: deps
	dotnet run -c Release --project bench/Lifecycle.Bench -- consumer

bench-reconcile: deps
	dotnet run -c Release --project bench/Lifecycle.Bench -- reconcile

bench-api: deps
	dotnet run -c Release --project bench/Lifecycle.Bench -- api

# Not in `bench`: it starts 1, 2 and 3 control-plane replicas for each figure, and a 500-host fleet;
# 20 minutes on a loaded 2-core machine (bench/README.md).
bench-scale: deps
	dotnet run -c Release --project bench/Lifecycle.Bench -- scale

# The soak (docs/reliability.md): a seeded load and seeded faults against a throwaway stack, then the
# invariants. Writes bench/results/<date>-<machine>-chaos.md (and .json); exits 1 on a violation.
# TOPOLOGY=cluster: three replicas on a six-node Redis Cluster, with replica and master kills
# (bench/results/<date>-<machine>-chaos-cluster.md).
DURATION ?= 10m
SEED ?= 1
RATE ?= 10
TOPOLOGY ?= single
chaos: deps
	dotnet run -c Release --project bench/Lifecycle.Bench -- chaos --duration $(DURATION) --seed $(SEED) --rate $(RATE) --topology $(TOPOLOGY)

# The short soak for CI: 2 minutes, a fixed seed, on the Debug build `make test` has just made (a Release
# build of everything would add a minute to CI; the soak checks invariants, not speed).
chaos-ci: deps
	dotnet run --project bench/Lifecycle.Bench -- chaos --duration 2m --seed 7 --rate 10 --ci

clean:
	dotnet clean Lifecycle.sln
	rm -rf .run
