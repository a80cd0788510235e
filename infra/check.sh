#!/usr/bin/env bash
# `make infra-check`: validate the deployment offline, without AWS credentials and without reaching AWS.
#   1. infra/generated/config-resources.yml matches perfbot.yml (regenerated here; under CI a stale file fails)
#   2. osls (pinned in package.json / package-lock.json) packages serverless.yml into CloudFormation
#      and infra/generated/function-policies.json (each function's IAM policies, for the devstack) matches it
#   3. cfn-lint passes that template and infra/monitoring-alarms.yml
#   4. tests/infra asserts the IAM, table and async-invocation rules on the packaged template
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

PY=${PY:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
OUT=build/infra-check # not .serverless/: the stub artifact below must never be what a deploy picks up

if ! command -v npm >/dev/null 2>&1; then
  echo "infra-check: node and npm are required (Node >= 20.19) to run osls" >&2
  exit 1
fi

echo "== config resources from perfbot.yml"
if [ -n "${CI:-}" ]; then
  "$PY" infra/gen_resources.py --check
else
  "$PY" infra/gen_resources.py
fi

echo "== osls"
# Install when osls is missing or not the locked version. Compared by version, not by file times: a fresh checkout's
# package-lock.json is always newer than an existing node_modules, and npm ci through a symlinked node_modules (a
# worktree sharing another checkout's) would empty the shared directory.
locked=$(node -p "require('./package-lock.json').packages['node_modules/osls'].version")
installed=$(node -p "try { require('./node_modules/osls/package.json').version } catch (e) { '' }")
if [ ! -x node_modules/.bin/osls ] || [ "$installed" != "$locked" ]; then
  if [ -L node_modules ]; then
    echo "infra-check: node_modules is a symlink to a shared directory with osls '$installed', locked '$locked':" \
      "install there (npm ci --ignore-scripts) rather than emptying it from here" >&2
    exit 1
  fi
  # osls is plain JavaScript: no install script is needed, so none is run.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

echo "== osls package --stage dev --region us-east-1 (offline)"
rm -rf "$OUT"
mkdir -p "$OUT"
# The template does not depend on the code, so a placeholder zip stands in for `make package`'s artifact here.
"$PY" -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1], 'w').writestr('PLACEHOLDER', 'infra-check only')" \
  "$OUT/placeholder.zip"
# No credentials, no AWS config, and, where the kernel allows it, no network at all: packaging must not need AWS.
sandbox=()
if unshare --net true 2>/dev/null; then sandbox=(unshare --net); fi
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null PERFBOT_ARTIFACT="$OUT/placeholder.zip" \
  "${sandbox[@]}" node_modules/.bin/osls package --stage dev --region us-east-1 --package "$OUT/package"
if [ ${#sandbox[@]} -gt 0 ]; then echo "(packaged inside a network namespace: no network at all)"; fi

echo "== function policies from the packaged template (the devstack enforces them)"
if [ -n "${CI:-}" ]; then
  "$PY" infra/gen_policies.py --template "$OUT/package/cloudformation-template-update-stack.json" --check
else
  "$PY" infra/gen_policies.py --template "$OUT/package/cloudformation-template-update-stack.json"
fi

echo "== cfn-lint"
# W3005 (redundant DependsOn) comes from osls's own resources (functions on their roles and log groups, the HTTP
# API route on its integration); it is harmless and not ours to change.
cfn_lint() { "$PY" -c "import sys; from cfnlint.runner import main; sys.exit(main())" "$@"; }
cfn_lint --include-experimental --non-zero-exit-code warning --ignore-checks W3005 \
  -- "$OUT/package/cloudformation-template-update-stack.json"
cfn_lint --include-experimental --non-zero-exit-code warning -- infra/monitoring-alarms.yml
echo "cfn-lint: no errors, no warnings"

echo "== tests/infra"
PERFBOT_INFRA_TEMPLATE="$OUT/package/cloudformation-template-update-stack.json" \
  "$PY" -m pytest -q -p no:cacheprovider tests/infra

echo "infra-check passed in $(($(date +%s) - start)) s"
