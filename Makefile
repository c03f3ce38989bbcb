# transmission: every target creates and fills .venv from the lock file when needed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= data/transmission.duckdb
DATA   ?=
DAYS   ?= 20
SYMBOL ?= MNQ
export PYTHONHASHSEED := 0

.PHONY: run test lint typecheck bench serve monitor lab report schedule lock clean system-deps help

help:
	@echo "make run      backtest on the simulator (or DATA=file) into $(DB) and print the summary"
	@echo "make test     lint, type-check and run the whole test suite"
	@echo "make serve    REST + WebSocket API with the engine replaying the demo feed"
	@echo "make monitor  the live monitor page (Voila)"
	@echo "make lab      JupyterLab on notebooks/"
	@echo "make report   the daily report for the last day in the demo journal"
	@echo "make bench    the benchmark suite (prints a table, writes benchmarks/results/)"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	# Bytecode compiled once here, as pip does and uv does not by default: with
	# PYTHONDONTWRITEBYTECODE set (as on CI), every process would otherwise compile pandas,
	# matplotlib and the rest from source at each start (a daily report: 9 s instead of 4).
	$(BIN)/uv pip sync --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/transmission backtest $(if $(DATA),--data $(DATA),--simulate $(DAYS)) --symbol $(SYMBOL) --db $(DB)

system-deps:
	@bash .ci/system-deps

test: $(STAMP) system-deps
	$(BIN)/ruff check transmission tests benchmarks
	$(BIN)/ruff format --check transmission tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check transmission tests benchmarks
	$(BIN)/ruff format --check transmission tests benchmarks
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

serve: $(STAMP)
	$(BIN)/transmission serve --db $(DB) --feed replay $(if $(DATA),--data $(DATA),) $(if $(SPEED),--speed $(SPEED),)

monitor: $(STAMP)
	$(BIN)/transmission monitor --db $(DB)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

report: $(STAMP)
	$(BIN)/transmission report daily --db $(DB) --out reports

schedule: $(STAMP)
	$(BIN)/transmission schedule --db $(DB) --out reports

bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; } || echo "wrk not installed: the API benchmark uses the slower Python load generator"
	$(BIN)/python -m benchmarks

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
