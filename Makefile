# The two commands of the README:
#   make demo   installs everything and serves the demo data at http://127.0.0.1:8000/
#   make test   installs everything and runs the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STORE ?= var/demo-store
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-test build-demo lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"

build-demo: install
	$(BIN)/atlas-ld build tests/data/seed --store $(STORE)

demo: build-demo
	$(BIN)/atlas-ld serve --store $(STORE) --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check publisher tests benchmarks reference
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var build dist
