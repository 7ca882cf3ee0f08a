#!/usr/bin/env bash
# Run COMMAND with the test Kubernetes control plane (infra/testcluster/) for the Kubernetes tests:
#   bash scripts/testcluster.sh COMMAND [ARGS...]
# Builds the binaries into ~/.cache/wonderland-testcluster the first time (about 13 minutes on
# two cores; a second run builds nothing), starts the control plane and the node agent on
# loopback, runs COMMAND with WONDERLAND_TESTCLUSTER_ENV set, and stops it when COMMAND ends.
# COMMAND runs without a cluster when WONDERLAND_SKIP_KUBERNETES=1 or WONDERLAND_TESTCLUSTER_ENV
# is set already, and when the build or the start fails (the tests that need it then fail and
# say why; the others run). Exit status: COMMAND's.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: bash scripts/testcluster.sh COMMAND [ARGS...]" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
say() { echo "testcluster.sh: $*" >&2; }

state=""
stop_cluster() {
  [ -n "$state" ] && bash "$root/infra/testcluster/stop.sh" --clean "$state" || true
}

if [ "${WONDERLAND_SKIP_KUBERNETES:-}" = 1 ]; then
  say "WONDERLAND_SKIP_KUBERNETES=1: the Kubernetes tests are skipped"
elif [ -n "${WONDERLAND_TESTCLUSTER_ENV:-}" ]; then
  say "using the cluster of WONDERLAND_TESTCLUSTER_ENV"
elif ! nice -n 10 bash "$root/infra/testcluster/build.sh"; then
  say "the control plane could not be built; the Kubernetes tests will fail"
else
  state="$(mktemp -d "${TMPDIR:-/tmp}/wonderland-testcluster.XXXXXX")"
  trap stop_cluster EXIT
  if env_file="$(bash "$root/infra/testcluster/start.sh" "$state")"; then
    export WONDERLAND_TESTCLUSTER_ENV="$env_file"
  else
    say "the control plane did not start (logs in $state/logs); the Kubernetes tests will fail"
  fi
fi
set +e
"$@"
status=$?
set -e
exit "$status"
