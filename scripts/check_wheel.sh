#!/usr/bin/env bash
# The package installs like a tool: build perfbot's wheel, install it with its runtime dependencies into a clean
# virtual environment outside the checkout, and run the `perfbot` command there (called by .ci/run).
#   - the wheel holds bot/ and handlers/ and nothing else (no devstack, no tests)
#   - `perfbot --version` prints bot.__version__; `perfbot --help` and `perfbot audit verify --help` work
#   - `perfbot --help` offers no devstack verbs (the devstack is not installed)
# Runs in about half a minute with a warm pip cache (timed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
PYTHON=${PYTHON:-python3}

work=$(mktemp -d /tmp/perfbot-wheel.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== build the wheel (isolated build environment, setuptools from pyproject.toml)"
"$PYTHON" -m venv "$work/build-env"
"$work/build-env/bin/python" -m pip install --quiet --disable-pip-version-check build >"$work/pip.log" 2>&1 || {
  cat "$work/pip.log" >&2
  exit 1
}
# --outdir keeps the checkout clean; the sdist → wheel path is the one pip would take from an sdist too.
"$work/build-env/bin/python" -m build --quiet --outdir "$work/dist" . >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  exit 1
}
rm -rf perfbot.egg-info # setuptools leaves it beside pyproject.toml
wheel=$(ls "$work"/dist/perfbot-*.whl)
echo "$(basename "$wheel")"

echo "== the wheel's contents"
"$PYTHON" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
tops = sorted({n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")})
assert tops == ["bot", "handlers"], f"the wheel must hold bot/ and handlers/ only, has {tops}"
assert "bot/cli/__init__.py" in names and "handlers/slack.py" in names
assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")], "bytecode in the wheel"
print(f"{len(names)} files: {', '.join(tops)} and the dist-info")
PY

echo "== install it with its runtime dependencies into a clean venv"
"$PYTHON" -m venv "$work/venv"
# Honest: the runtime dependencies are installed too (from the pip cache when warm), not --no-deps.
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  exit 1
}

echo "== run perfbot from outside the checkout"
cd "$work"
expected=$("$PYTHON" -c "import ast, sys; t = ast.parse(open(sys.argv[1]).read()); \
print(next(n.value.value for n in t.body if isinstance(n, ast.Assign) and n.targets[0].id == '__version__'))" \
  "$OLDPWD/bot/__init__.py")
version=$("$work/venv/bin/perfbot" --version)
[ "$version" = "perfbot $expected" ] || { echo "perfbot --version said '$version', expected 'perfbot $expected'" >&2; exit 1; }
echo "$version"
help=$("$work/venv/bin/perfbot" --help)
grep -q "usage: perfbot" <<<"$help"
if grep -qw "demo" <<<"$help"; then echo "perfbot --help offers the devstack's demo without the devstack" >&2; exit 1; fi
verify_help=$("$work/venv/bin/perfbot" audit verify --help)
grep -q "usage: perfbot audit" <<<"$verify_help"
grep -q "verify" <<<"$verify_help"
[ "$("$work/venv/bin/python" -m bot --version)" = "$version" ] # the console script is `python -m bot`
echo "perfbot --help, --version, audit verify --help: ok"
echo "check_wheel passed in $(($(date +%s) - start)) s"
