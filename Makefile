# The two commands: `make run` (everything, throwaway servers, three simulated hosts) and
# `make test` (installs what is missing, runs every test against real Redis and Postgres).
.PHONY: run test build deps clean bench bench-consumer bench-reconcile bench-api

deps:
	@scripts/install-deps.sh

build: deps
	dotnet build Lifecycle.sln -c Release

run: deps
	@scripts/run-dev.sh

test: deps
	dotnet test Lifecycle.sln

# Benchmarks write bench/results/<date>-<machine>-<part>.md (and .json).
bench: bench-consumer bench-reconcile bench-api

bench-consumer: deps
	dotnet run -c Release --project bench/Lifecycle.Bench -- consumer

bench-reconcile: deps
	dotnet run -c Release --project bench/Lifecycle.Bench -- reconcile

bench-api: deps
	dotnet run -c Release --project bench/Lifecycle.Bench -- api

clean:
	dotnet clean Lifecycle.sln
	rm -rf .run
