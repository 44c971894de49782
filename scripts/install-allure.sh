#!/usr/bin/env bash
# Pre-install Allure 3 (npm package "allure", needs Node.js >= 20 and npm) into .golive/node, the
# git-ignored cache that `golive report` uses. Optional: `golive report` installs it on first use;
# CI calls this once so that test runs do not each wait for npm.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-allure: node/npm not found; install Node.js >= 20 with npm (golive report needs it)" >&2
  exit 0
fi
PY=${PY:-.venv/bin/python}
"$PY" - <<'PY'
from golive.report import allure3_cli

cli = allure3_cli()
print(f"install-allure: {cli}" if cli else "install-allure: node too old (need >= 20); golive report will say so")
PY
