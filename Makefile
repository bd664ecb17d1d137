# DramaTune — run `make help` for the list of targets.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8866
STAMP  := $(VENV)/.dramatune-setup

.DEFAULT_GOAL := help
.PHONY: help setup app demo test lint bench models notebooks screenshot freeze clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv with pinned packages, generate the demo data, warm the caches

$(STAMP): pyproject.toml requirements/constraints.txt requirements/nodeps.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "DramaTune needs Python 3.10 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check -c requirements/constraints.txt -e '.[dev]'
	$(PIP) install -q --disable-pip-version-check --no-deps -r requirements/nodeps.txt
	$(PY) -m dramatune_lib.pipeline --warm
	touch $(STAMP)

app: $(STAMP) ## serve the app with Voila and open it (the link, with its token, is printed; PORT=N, LIBRARY=DIR: your music)
	$(PY) -m dramatune_lib.recommend_and_merge --open --port=$(PORT) $(if $(LIBRARY),--library="$(LIBRARY)")

demo: $(STAMP) ## score the embedded demo scenes from the command line, into out/
	$(VENV)/bin/dramatune demo

test: $(STAMP) ## run the test suite (unit, end-to-end, notebooks, browser)
	$(PY) -m pytest

lint: $(STAMP) ## check the code: ruff (lint and format) on the code, mypy on the package
	$(VENV)/bin/ruff check dramatune_lib tests bench requirements
	$(VENV)/bin/ruff format --check dramatune_lib tests bench requirements
	$(VENV)/bin/mypy

bench: $(STAMP) ## run the benchmark scripts in bench/
	for f in bench/bench_*.py; do $(PY) $$f || exit 1; done

models: $(STAMP) ## retrain every model in models/ and run the real-music benchmark in full mode (fetches Debian audio, 1.4 GB of it 0 A.D.; about 10 minutes)
	$(PY) -m dramatune_lib.training --full --overwrite
	$(PY) -m dramatune_lib.evaluation --full --overwrite

screenshot: $(STAMP) ## regenerate the README's screenshots (docs/app-*.png) with the browser test, in Debian chromium
	DRAMATUNE_SCREENSHOTS=docs $(PY) -m pytest -q -o addopts="" tests/test_app_browser.py -k cut_off

notebooks: $(STAMP) ## render every notebook to HTML in out/notebooks/ for reading without Jupyter
	$(VENV)/bin/jupyter nbconvert --to html --execute --output-dir out/notebooks notebooks/*.ipynb

freeze: ## rewrite requirements/constraints.txt from the current .venv, and environment.yml from it
	head -3 requirements/constraints.txt > requirements/constraints.new
	$(PIP) freeze --exclude-editable | grep -viE '^(fer|scenedetect|tinysoundfont)==' >> requirements/constraints.new
	grep '^setuptools<' requirements/constraints.txt >> requirements/constraints.new
	mv requirements/constraints.new requirements/constraints.txt
	$(PY) requirements/make_environment.py

clean: ## remove .venv, out/ and the generated demo data cache
	rm -rf $(VENV) out
	$(PYTHON) -c 'import os, shutil; shutil.rmtree(os.environ.get("DRAMATUNE_CACHE", os.path.expanduser("~/.cache/dramatune")), ignore_errors=True)'
