# perfbot — every target creates .venv from the requirements files when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench check infra-check package wheel-check clean

$(STAMP): requirements.txt requirements-devstack.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check \
	  -r requirements.txt -r requirements-devstack.txt -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m bot demo

test: $(STAMP)
	$(PY) -m pytest -n 2 tests

lint: $(STAMP)
	$(PY) -m ruff check bot handlers devstack tests bench infra scripts
	$(PY) -m ruff format --check bot handlers devstack tests bench infra scripts
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m bench

check: lint typecheck infra-check test

infra-check: $(STAMP)
	PY=$(PY) bash infra/check.sh

package: $(STAMP)
	$(PY) scripts/package_lambda.py

# The wheel installs into a clean venv outside the checkout and `perfbot` runs there (needs no .venv).
wheel-check:
	PYTHON=$(PYTHON) bash scripts/check_wheel.sh

clean:
	rm -rf $(VENV) build .serverless perfbot.egg-info .pytest_cache .mypy_cache .ruff_cache
