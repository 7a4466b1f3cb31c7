# optionswarm — every target sets itself up from nothing: `make run` and `make test` are all a fresh
# machine needs. Versions come from constraints.txt so that every machine gets the same ones.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BENCH := $(VENV)/.installed-bench

.PHONY: help run backtest dashboard browser test lint typecheck pytest bench bench-peers lock clean

DASHBOARD := src/optionswarm/api/static/dashboard/index.html
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/package-lock.json web/next.config.ts

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(STAMP_TEST): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e '.[dev,services,llm,scale]'
	touch $@ $(STAMP_RUN)

$(STAMP_BENCH): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e '.[dev,services,llm,scale,bench]'
	touch $@ $(STAMP_TEST) $(STAMP_RUN)

run: $(STAMP_RUN) $(DASHBOARD)  ## set up and run the node + API + dashboard (paper, replay) until Ctrl-C
	$(BIN)/optionswarm run

backtest: $(STAMP_RUN)  ## the five-year short-put-spread backtest, JSON and HTML report in var/
	$(BIN)/optionswarm backtest --underlying sp500 --start 2014-01-01 --end 2018-12-31 --strategy short-put-spread --json var/backtest.json --report var/backtest.html

dashboard: $(DASHBOARD)  ## build the web dashboard into the package (npm ci from the lock file)

$(DASHBOARD): $(WEB_SOURCES)
	bash web/build.sh

browser:  ## Debian's chromium for the browser tests (never a downloaded browser)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP_TEST) $(DASHBOARD) browser  ## set up, then ruff, mypy, the dashboard's tsc + Vitest, pytest (+ browser e2e)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	cd web && npm run --silent typecheck && npm test --silent
	$(BIN)/pytest -n 2 --dist loadfile

bench: $(STAMP_BENCH) bench-peers  ## run every benchmark, printing JSON
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script; done

PEERS := .venv-peers
bench-peers: $(PEERS)/.installed  ## separate venv for peer libraries (backtrader, nautilus-trader)

$(PEERS)/.installed: benchmarks/requirements-peers.txt
	$(PYTHON) -m venv $(PEERS)
	echo '*' > $(PEERS)/.gitignore
	$(PEERS)/bin/python -m pip install --quiet -r benchmarks/requirements-peers.txt
	touch $@

lock:  ## regenerate constraints.txt from the current environment
	$(PIP) freeze --exclude-editable | grep -v '^optionswarm' > constraints.txt

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov web/node_modules web/out src/optionswarm/api/static/dashboard
