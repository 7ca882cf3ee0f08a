#!/usr/bin/env bash
# Run the CWL v1.2 conformance suite (../shared/cwl-v1.2, see find_suite) against `wonderland run` with cwltest.
#   conformance/run.sh [--check] [--kubernetes ENV_FILE] [extra cwltest options, e.g. -n 1-20]
# Writes badges to conformance/badges/ and a JUnit report to conformance/results/.
# With --check, fails when fewer tests pass than conformance/minimum-passes records.
# With --kubernetes, every step runs as a Job on the test cluster whose env file is given
# (infra/testcluster/start.sh prints it), with the work area on its work-area PVC; --check then
# compares with conformance/minimum-passes-kubernetes.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# The suite: $CWL_SUITE, else ../shared/cwl-v1.2 beside this repository, else beside the
# repository this one was cloned from (a CI clone made elsewhere of a checkout next to shared/).
find_suite() {
  [ -n "${CWL_SUITE:-}" ] && { echo "$CWL_SUITE"; return; }
  local origin
  origin="$(git -C "$here" config --get remote.origin.url 2>/dev/null || true)"
  for candidate in "$here/../../shared/cwl-v1.2" "${origin%/}/../shared/cwl-v1.2"; do
    [ -f "$candidate/conformance_tests.yaml" ] && { echo "$candidate"; return; }
  done
  echo "$here/../../shared/cwl-v1.2"
}
suite="$(find_suite)"
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
minimum_file="$here/minimum-passes"
work="$(mktemp -d)"
executor=()
if [ "${1:-}" = "--kubernetes" ]; then
  [ -f "${2:-}" ] || { echo "conformance: --kubernetes needs a test cluster's env file" >&2; exit 1; }
  # shellcheck disable=SC1090
  source "$2"
  shift 2
  rm -rf "$work"
  work="$(mktemp -d "$WONDERLAND_TEST_WORK_DIR/conformance.XXXXXX")"
  # the work area is where the claim is mounted (a later --work-dir wins)
  executor=(--work-dir "$WONDERLAND_TEST_WORK_DIR" --executor kubernetes
            --kubeconfig "$KUBECONFIG_ENGINE"
            --namespace "$WONDERLAND_TEST_NAMESPACE" --work-area-pvc "$WONDERLAND_TEST_WORK_PVC")
  minimum_file="$here/minimum-passes-kubernetes"
fi
[ -f "$suite/conformance_tests.yaml" ] || { echo "conformance: no suite at $suite" >&2; exit 1; }
rm -rf "$here/badges"; mkdir -p "$here/results"
export WONDERLAND_HOME="$work/home"
cd "$suite"
cwltest --test conformance_tests.yaml --tool wonderland -j "${CWL_JOBS:-2}" --timeout 300 \
  --badgedir "$here/badges" --junit-xml "$here/results/junit.xml" "$@" \
  -- run --db "sqlite:///$work/state.db" --work-dir "$work/work" --tmpdir-prefix "$work/tmp/" \
  "${executor[@]}" \
  2>&1 | tee "$here/results/cwltest.log" | grep -E "^(Test [0-9]+ failed|Test failed|[0-9]+ tests passed|[0-9]+ (tests )?failures|[0-9]+ unsupported|.*tests passed)" 
rm -rf "$work"
summary=$(grep -E "tests passed" "$here/results/cwltest.log" | tail -1)
echo "conformance: $summary"
if [ "$check" = 1 ]; then
  minimum=$(cat "$minimum_file")
  got=$(echo "$summary" | grep -oE "^[0-9]+" || echo 0)
  if [ "$got" -lt "$minimum" ]; then
    echo "conformance: $got tests passed, fewer than the $minimum recorded in conformance/$(basename "$minimum_file")" >&2
    exit 1
  fi
  echo "conformance: $got passed, at least the $minimum recorded"
fi
