# Parley: `make run` sets up and starts the app; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: setup run replicas test lint e2e bench bench-quick bench-browser bench-search bench-load bench-load-quick clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port $(PORT)

# Two app processes against one store (PARLEY_STORE_URL, PostgreSQL for a team), for a proxy with sticky sessions
# (docs/deploy/nginx.conf). REPLICA_ARGS=--throwaway-postgres tries it with a temporary local PostgreSQL server.
REPLICA_PORTS ?= 8501 8502
replicas: $(STAMP)
	$(BIN)/python scripts/replicas.py --ports $(REPLICA_PORTS) $(REPLICA_ARGS)

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

# Many sessions at once through Streamlit's own websocket protocol (no browsers): 20 and 50 sessions against one
# server, then two replicas on one PostgreSQL store, while an import and an undo run. About 10 minutes.
bench-load: $(STAMP)
	$(BIN)/python benchmarks/load_bench.py

# A few sessions for a few seconds: checks the load client itself.
bench-load-quick: $(STAMP)
	$(BIN)/python benchmarks/load_bench.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
