# The two commands of the README:
#   make demo   installs everything and serves the demo data at http://127.0.0.1:8000/
#   make test   installs everything and runs the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STORE ?= var/demo-store
HOST ?= 127.0.0.1
PORT ?= 8000

FRONTEND := publisher/web/frontend
VENDOR := publisher/web/static/vendor

.PHONY: demo test install install-test build-demo lint clean frontend chromium virtuoso map-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python frontend map-data
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python frontend map-data
	$(BIN)/pip install --quiet -e ".[test]"

# The query editor's front-end packages, as pinned by the lock file, copied where the app serves
# them: the editor page loads nothing from anywhere else.
frontend: $(VENDOR)/yasgui/yasgui.min.js

$(VENDOR)/yasgui/yasgui.min.js: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/yasgui
	cp $(FRONTEND)/node_modules/@zazuko/yasgui/build/yasgui.min.js \
	   $(FRONTEND)/node_modules/@zazuko/yasgui/build/yasgui.min.css $(VENDOR)/yasgui/
	touch $@

# The map pages' shapes (Natural Earth countries, regions of France), as pinned by the lock file;
# drawn on the server, so the maps need no network at run time.
map-data: maps/node_modules/.package-lock.json

maps/node_modules/.package-lock.json: maps/package.json maps/package-lock.json
	cd maps && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's chromium, installed here when missing (never a browser download).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi

# The back-end tests start Virtuoso Open Source 7 (tests/backends/), installed here when missing: the
# server binary and isql only (virtuoso-opensource-7-bin, from the virtuoso-opensource packages), so that
# no system Virtuoso service is started. Without it, the Virtuoso tests skip and say why.
virtuoso:
	@if ! command -v virtuoso-t >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource-7-bin; fi

# The demo: the real seed page plus a generated sample of 400 partnerships (synthetic, and said so).
DEMO_CORPUS ?= var/demo-corpus

$(DEMO_CORPUS)/pages:
	$(BIN)/atlas-ld generate --out $(DEMO_CORPUS) --projects 400 --seed 1

# The demo says what it is: the title shown on every page and in the dataset description.
build-demo demo: export ATLAS_LD_DATASET_TITLE ?= Atlas de la coopération décentralisée : démonstration (page réelle et échantillon synthétique)

build-demo: install $(DEMO_CORPUS)/pages
	$(BIN)/atlas-ld build tests/data/seed $(DEMO_CORPUS)/pages --store $(STORE)

demo: build-demo
	$(BIN)/atlas-ld serve --store $(STORE) --host $(HOST) --port $(PORT)

test: install-test chromium virtuoso
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check publisher tests benchmarks reference
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var build dist $(FRONTEND)/node_modules $(VENDOR) maps/node_modules
