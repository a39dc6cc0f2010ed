# The two commands a newcomer needs (see README):
#   make demo   set up and run the main job on embedded defaults (offline, no keys, no servers)
#   make test   set up and run lint, type checks and the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test setup lint typecheck unit bench bench-peer clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint constraints.txt -e '.[dev,evals,ml,train,proxy,redis]'
	touch $(STAMP)

# Re-pin constraints.txt to what a fresh setup resolves today (then run make test before committing it).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv && .lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev,evals,ml,train,proxy,redis]'
	{ head -2 constraints.txt; .lock-venv/bin/pip freeze --exclude-editable | grep -v '^torch=='; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv

setup: $(STAMP)

# The main job: compress the sample conversation; tune the log and JSON sections briefly on the bundled
# demo corpus; export the winner; evaluate default (before) and tuned (after) on the demo suite.
DEMO := reports/demo
demo: setup
	$(BIN)/headroom demo
	rm -rf $(DEMO)
	$(BIN)/headroom tune --corpus evals/data/demo/corpus --content-type json --trials 40 --no-latency --out $(DEMO)/tune
	$(BIN)/headroom tune --corpus evals/data/demo/corpus --content-type log --trials 40 --no-latency --out $(DEMO)/tune
	$(BIN)/headroom tune export headroom-json --storage sqlite:///$(DEMO)/tune/optuna.db --name demo-json --out $(DEMO)
	$(BIN)/headroom tune export headroom-log --storage sqlite:///$(DEMO)/tune/optuna.db --base $(DEMO)/demo-json.yaml --name demo-tuned --out $(DEMO)
	$(BIN)/headroom eval run --suite configs/suites/demo.yaml --policy default --policy $(DEMO)/demo-tuned.yaml --out $(DEMO)/eval

lint: setup
	$(BIN)/ruff check headroom evals training tests benchmarks
	$(BIN)/ruff format --check headroom evals training tests benchmarks

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest

test: lint typecheck unit

bench-peer:
	bash benchmarks/setup_peer.sh

bench: setup
	$(BIN)/python benchmarks/compress_corpus.py --corpus ../shared/corpus

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
