# Parley: `make run` sets up and starts the app; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: setup run test lint e2e bench bench-quick bench-browser bench-search clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	$(BIN)/python -m pytest

e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

# Datasette is only a yardstick for the benchmark: it lives in its own venv, and without it that anchor is skipped.
DATASETTE_VENV := .parley/bench/datasette-venv
DATASETTE_STAMP := $(DATASETTE_VENV)/.installed

$(DATASETTE_STAMP): benchmarks/datasette.lock
	@($(PYTHON) -m venv $(DATASETTE_VENV) \
	  && $(DATASETTE_VENV)/bin/python -m pip install --quiet -r benchmarks/datasette.lock \
	  && touch $(DATASETTE_STAMP)) \
	  || echo "datasette could not be installed: the benchmark skips its Datasette anchor"

# The app at today's size, 100x and ~1M positions (pages through AppTest, bytes, memory, anchors), then the core.
bench: $(STAMP) $(DATASETTE_STAMP)
	$(BIN)/python benchmarks/app_bench.py
	$(BIN)/python benchmarks/filter_bench.py

# Today's size and 100x only, a few minutes.
bench-quick: $(STAMP) $(DATASETTE_STAMP)
	$(BIN)/python benchmarks/app_bench.py --quick

bench-browser: $(STAMP)
	$(BIN)/python benchmarks/browser_bench.py

# The search: index build time and memory, then each query's median time, at today's size and ~1M positions.
bench-search: $(STAMP)
	$(BIN)/python benchmarks/search_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
