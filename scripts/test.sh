#!/usr/bin/env bash
# The whole test suite: unit and integration tests, both examples, and the CWL v1.2 conformance
# suite (../shared/cwl-v1.2) checked against conformance/minimum-passes, with a throw-away
# PostgreSQL server (scripts/postgres.sh; WONDERLAND_SKIP_POSTGRES=1 skips its tests) and the test
# Kubernetes control plane (scripts/testcluster.sh, built the first time: ~13 min;
# WONDERLAND_SKIP_KUBERNETES=1 skips its tests). Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/bootstrap.sh" test
if ! command -v samtools >/dev/null 2>&1; then
  echo "test.sh: samtools is missing; install it (apt-get install samtools) or .ci/run does" >&2
fi
cd "$root"
exec bash "$root/scripts/postgres.sh" bash "$root/scripts/testcluster.sh" \
  python -m pytest -p no:cacheprovider "$@"
