# The two commands: `make run` (everything, throwaway servers, three simulated hosts) and
# `make test` (installs what is missing, runs every test against real Redis and Postgres).
.PHONY: run test build deps clean

deps:
	@scripts/install-deps.sh

build: deps
	dotnet build Lifecycle.sln -c Release

run: deps
	@scripts/run-dev.sh

test: deps
	dotnet test Lifecycle.sln

clean:
	dotnet clean Lifecycle.sln
	rm -rf .run
