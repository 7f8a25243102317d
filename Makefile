# Every target bootstraps .venv first, so `make lab` and `make test` work on a fresh clone.
# Packages install with uv (a pinned release from PyPI, kept in .tools/) when it runs here, and
# with pip otherwise (or with USE_UV=0). `make lab` installs requirements.txt, what a learner
# needs; `make test` adds requirements-test.txt.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
UV_VERSION := 0.13.9
UV     := .tools/bin/uv
USE_UV ?= 1
# JupyterHub's proxy, from npm, for the room rehearsal (needs Node.js 20 and npm).
CHP_VERSION := 5.2.0
CHP    := .tools/chp/node_modules/.bin/configurable-http-proxy

.PHONY: lab test test-fast test-aws notebooks bench lint sandbox clean http-proxy rehearse

# uv's own pip interface when uv runs here, else the venv's pip: one install command for both.
define install
	@if [ "$(USE_UV)" = 1 ] && $(UV) --version >/dev/null 2>&1; then \
		echo "Installing $(1) with uv"; \
		$(UV) pip install --quiet --python $(BIN)/python $(1); \
	else \
		echo "Installing $(1) with pip"; \
		$(BIN)/python -m pip install --quiet $(1); \
	fi
endef

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "cognito-tutorial needs Python 3.11 or newer (found: $(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@[ "$(USE_UV)" != 1 ] || $(UV) --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet --target .tools uv==$(UV_VERSION) || \
		echo "uv could not be installed here; installing with pip (slower)"
	$(call install,-r requirements.txt)
	$(call install,--no-deps -e .)
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(call install,-r requirements-test.txt)
	touch $(TEST_STAMP)

## lab: open your copy of the tutorial in JupyterLab against the local sandbox
# Learners work in my-notebooks/ (git-ignored): copies of notebooks/ made the first time, never
# overwritten, so `git pull` brings new lessons without conflicts; a lesson added upstream is
# copied in next time. As root (a container), JupyterLab needs --allow-root.
LEARNER_COPY := my-notebooks
lab: $(STAMP)
	@mkdir -p $(LEARNER_COPY)
	@for lesson in notebooks/*.ipynb; do \
		[ -e "$(LEARNER_COPY)/$${lesson##*/}" ] || cp "$$lesson" $(LEARNER_COPY)/; \
	done
	@echo "Your copies of the lessons are in $(LEARNER_COPY)/ (git pull never changes them; delete one to start that lesson afresh)."
	$(BIN)/jupyter lab --notebook-dir=$(LEARNER_COPY) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## test: every test (unit, sandbox over HTTP, notebooks, browser)
test: $(TEST_STAMP)
	$(BIN)/python -m pytest

## test-fast: everything but the browser and notebook tests
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not browser and not slow"

## test-aws: the contract tests against a real user pool in your AWS account (opt-in: set
## COGNITO_TUTORIAL_AWS_CONTRACT=yes, AWS credentials and AWS_REGION). They create only tagged
## cognito-tutorial-contract-* pools and delete them; without the opt-in they refuse to start.
test-aws: $(TEST_STAMP)
	$(BIN)/python -m pytest --backend aws -m contract

## notebooks: re-run every notebook headless and commit-ready (outputs redacted)
notebooks: $(STAMP)
	$(BIN)/python -m cognito_tutorial run --out notebooks --in-place

## bench: benchmarks; prints a table and writes bench/results/latest.json
bench: $(STAMP)
	$(BIN)/python -m bench

## http-proxy: configurable-http-proxy (npm) in .tools/chp, for the rehearsal; .ci/run installs it
http-proxy: $(CHP)

$(CHP):
	npm install --prefix .tools/chp --no-audit --no-fund --save-exact configurable-http-proxy@$(CHP_VERSION)

## rehearse: a room of LEARNERS (20) on a real JupyterHub here, SHAPE own|room|both; writes bench/results/room.json
LEARNERS ?= 20
SHAPE    ?= own
rehearse: $(TEST_STAMP) $(CHP)
	$(BIN)/python -m cognito_tutorial rehearse --learners $(LEARNERS) --shape $(SHAPE) $(REHEARSE_ARGS)

## sandbox: run the local Cognito sandbox in the foreground
sandbox: $(STAMP)
	$(BIN)/python -m cognito_tutorial sandbox

lint: $(TEST_STAMP)
	$(BIN)/ruff check cognito_tutorial tests bench
	$(BIN)/ruff format --check cognito_tutorial tests bench

clean:
	rm -rf $(VENV) .tools .pytest_cache artifacts
