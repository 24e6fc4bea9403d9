# The two commands: `make run` (demo server) and `make test` (whole suite).
.PHONY: run test lint format bench

run:
	scripts/run.sh

test:
	scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

bench:
	.venv/bin/python bench/agreement_bench.py
