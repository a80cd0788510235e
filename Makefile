# perfbot — every target creates .venv from the requirements files when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test browser lint typecheck bench quality check infra-check package wheel-check lock clean

# The venv installs the LOCK (every package pinned, every file's sha256 checked), compiled from the three
# requirements files by `make lock`; tests/unit/test_lock.py fails when a pin of theirs is not in it.
$(STAMP): requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
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

# Regenerate the locks after changing requirements*.txt (uv; hashes of every file of each release, for every platform:
# the Lambda artifact installs arm64/cp312 wheels from requirements.lock). Pins already locked are kept.
LOCK := $(PY) -m uv pip compile --quiet --universal --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock"
lock: $(STAMP)
	$(LOCK) -o requirements.lock requirements.txt
	$(LOCK) -o requirements-dev.lock requirements.txt requirements-devstack.txt requirements-dev.txt

# The wheel installs into a clean venv outside the checkout and `perfbot` runs there (needs no .venv).
wheel-check:
	PYTHON=$(PYTHON) bash scripts/check_wheel.sh

clean:
	rm -rf $(VENV) build .serverless perfbot.egg-info .pytest_cache .mypy_cache .ruff_cache
