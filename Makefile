# perfbot — every target creates .venv from the requirements files when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test browser lint typecheck bench quality check infra-check package clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m bot demo $(if $(SERVE),--serve)

# The browser tests drive Debian's chromium through its chromedriver (tests/browser): installed from the distribution's
# packages when missing and apt-get exists (CI, a fresh Debian box); nothing downloads a browser at run time.
browser:
	@command -v chromium >/dev/null && test -x /usr/bin/chromedriver || \
	  { command -v apt-get >/dev/null && apt-get update -qq && apt-get install -y --no-install-recommends chromium chromium-driver fonts-noto-color-emoji \
	    || echo "chromium/chromium-driver missing and no apt-get: the browser tests will skip"; }

test: $(STAMP) browser
	$(PY) -m pytest -n 2 tests

lint: $(STAMP)
	$(PY) -m ruff check bot handlers devstack tests bench infra scripts
	$(PY) -m ruff format --check bot handlers devstack tests bench infra scripts
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m bench

quality: $(STAMP)
	$(PY) -m bench.bench_quality

check: lint typecheck infra-check test

infra-check: $(STAMP)
	PY=$(PY) bash infra/check.sh

package: $(STAMP)
	$(PY) scripts/package_lambda.py

clean:
	rm -rf $(VENV) build .serverless .pytest_cache .mypy_cache .ruff_cache
