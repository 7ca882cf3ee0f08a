#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install Wonderland into it; with "test", the test tools too.
# Sourced by scripts/main-job.sh and scripts/test.sh; safe to run again (it only adds what is missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
if [ ! -x "$root/.venv/bin/python" ]; then
  "$python" -m venv "$root/.venv"
fi
extras=""
[ "${1:-}" = "test" ] && extras="[test]"
stamp="$root/.venv/.installed$extras"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
  "$root/.venv/bin/pip" install --quiet --disable-pip-version-check -e "$root$extras"
  touch "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
# CWL's JavaScript expressions (InlineJavascriptRequirement) are evaluated by Node.js.
if ! command -v node >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing Node.js for CWL expressions (apt-get install nodejs)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
  else
    echo "bootstrap: Node.js is needed for CWL expressions; install it (e.g. apt-get install nodejs)" >&2
    exit 1
  fi
fi
