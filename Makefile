# transmission: every target creates and fills .venv from a lock file when needed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/transmission.duckdb
DATA   ?=
DAYS   ?= 20
SYMBOL ?= MNQ
export PYTHONHASHSEED := 0

.PHONY: run test smoke venv lint typecheck bench serve monitor lab report schedule lock clean system-deps help

help:
	@echo "make run      backtest on the simulator (or DATA=file) into $(DB) and print the summary"
	@echo "make test     lint, type-check and run the whole test suite"
	@echo "make serve    REST + WebSocket API with the engine replaying the demo feed"
	@echo "make monitor  the live monitor page (Voila)"
	@echo "make lab      JupyterLab on notebooks/"
	@echo "make report   the daily report for the last day in the demo journal"
	@echo "make bench    the benchmark suite (prints a table, writes benchmarks/results/)"

# Two installs: `make run` (and the front-end targets) install the runtime lock, plus the extra they
# need pinned by the dev lock; `make test` syncs the dev lock (every extra and the tools). A venv
# already holding the dev lock serves every target as it is.
UV       := $(BIN)/uv
DEV      := $(VENV)/.installed
RUNTIME  := $(VENV)/.installed-run
# The install a target needs: the dev one if present, else the runtime one plus extra $(1).
needs     = $(if $(wildcard $(DEV)),$(DEV),$(if $(1),$(VENV)/.extra-$(1),$(RUNTIME)))

# No pip or setuptools inside the venv: the outer pip puts uv there, and uv does the rest.
$(UV):
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check uv

$(DEV): requirements.lock pyproject.toml | $(UV)
	# Bytecode compiled once here, as pip does and uv does not by default: with
	# PYTHONDONTWRITEBYTECODE set (as on CI), every process would otherwise compile pandas,
	# matplotlib and the rest from source at each start (a daily report: 9 s instead of 4).
	$(UV) pip sync --compile-bytecode --python $(BIN)/python requirements.lock
	$(UV) pip install --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(DEV)

$(RUNTIME): requirements-run.lock pyproject.toml | $(UV)
	$(UV) pip install --python $(BIN)/python -r requirements-run.lock
	$(UV) pip install --python $(BIN)/python --no-deps -e .
	touch $(RUNTIME)

$(VENV)/.extra-%: $(RUNTIME) requirements.lock
	$(UV) pip install --python $(BIN)/python -c requirements.lock -e '.[$*]'
	if [ -x $(BIN)/jupyter ]; then $(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null; fi
	touch $@

venv: $(DEV)

run: $(call needs)
	$(BIN)/transmission backtest $(if $(DATA),--data $(DATA),--simulate $(DAYS)) --symbol $(SYMBOL) --db $(DB)

system-deps:
	@bash .ci/system-deps

test: $(DEV) system-deps
	$(BIN)/ruff check transmission tests benchmarks
	$(BIN)/ruff format --check transmission tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	# One worker per core (pytest-xdist): most slow tests wait on a server, kernel or browser
	# they started, so two workers halve the suite's wall time on a 2-core machine.
	$(BIN)/pytest -n auto --dist worksteal --durations=15
	@$(MAKE) --no-print-directory smoke

lint: $(DEV)
	$(BIN)/ruff check transmission tests benchmarks
	$(BIN)/ruff format --check transmission tests benchmarks
	$(BIN)/lint-imports --no-cache

typecheck: $(DEV)
	$(BIN)/mypy

serve: $(call needs,api)
	$(BIN)/transmission serve --db $(DB) --feed replay $(if $(DATA),--data $(DATA),) $(if $(SPEED),--speed $(SPEED),)

monitor: $(call needs,monitor)
	$(BIN)/transmission monitor --db $(DB)

lab: $(call needs,lab)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

report: $(call needs,reports)
	$(BIN)/transmission report daily --db $(DB) --out reports

schedule: $(call needs,reports)
	$(BIN)/transmission schedule --db $(DB) --out reports

bench: $(DEV)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; } || echo "wrk not installed: the API benchmark uses the slower Python load generator"
	$(BIN)/python -m benchmarks

# Both locks are universal (Python 3.11 to 3.13, every platform); the runtime lock is resolved
# inside the dev lock's pins, so the two never disagree on a version.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev --universal --python-version 3.11 -o requirements.lock
	$(UV) pip compile pyproject.toml --universal --python-version 3.11 -c requirements.lock -o requirements-run.lock

# The short run on every other supported Python found on this machine: install, backtest, one API
# request, one notebook (.ci/smoke). The interpreters run side by side, sharing uv's cache.
SMOKE_PYTHONS ?= $(foreach v,3.12 3.13,$(firstword $(wildcard $(HOME)/.pyenv/versions/$(v).*/bin/python$(v)) $(shell python$(v) -c "import sys; print(sys.executable)" 2>/dev/null)))

smoke: | $(UV)
	@UV=$(abspath $(UV)) bash .ci/smoke $(SMOKE_PYTHONS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
