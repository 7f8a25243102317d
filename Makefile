# Every target bootstraps .venv first, so `make lab` and `make test` work on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast notebooks bench lint sandbox clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "cognito-tutorial needs Python 3.11 or newer (found: $(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## lab: open the tutorial in JupyterLab against the local sandbox
# (as root, e.g. in a container, JupyterLab refuses to start without --allow-root)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

## test: every test (unit, sandbox over HTTP, notebooks, browser)
test: $(STAMP)
	$(BIN)/python -m pytest

## test-fast: everything but the browser and notebook tests
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser and not slow"

## notebooks: re-run every notebook headless and commit-ready (outputs redacted)
notebooks: $(STAMP)
	$(BIN)/python -m cognito_tutorial run --out notebooks --in-place

## bench: benchmarks; prints a table and writes bench/results/latest.json
bench: $(STAMP)
	$(BIN)/python -m bench

## sandbox: run the local Cognito sandbox in the foreground
sandbox: $(STAMP)
	$(BIN)/python -m cognito_tutorial sandbox

lint: $(STAMP)
	$(BIN)/ruff check cognito_tutorial tests bench
	$(BIN)/ruff format --check cognito_tutorial tests bench

clean:
	rm -rf $(VENV) .pytest_cache artifacts
