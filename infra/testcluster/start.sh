#!/usr/bin/env bash
# infra/testcluster/start.sh — start the test control plane on loopback.
#
# Starts etcd, kube-apiserver (RBAC on: --authorization-mode=Node,RBAC), kube-controller-manager,
# kube-scheduler (binaries from build.sh's cache) and the node agent (node_agent.py), each on a
# free loopback port, with certificates made by openssl (pki.sh). Then creates the engine's
# namespace, ServiceAccount, Role and RoleBinding (bootstrap.py) and a work-area PVC bound to a
# host folder, and waits for /readyz and a Ready node.
#
# Usage: infra/testcluster/start.sh [STATE_DIR]      (default: a new folder under $TMPDIR)
# Prints STATE_DIR/env on stdout (source it, or point WONDERLAND_TESTCLUSTER_ENV at it):
#   KUBECONFIG_ADMIN, KUBECONFIG_ENGINE, WONDERLAND_TEST_NAMESPACE, WONDERLAND_TEST_WORK_PVC,
#   WONDERLAND_TEST_WORK_DIR, KUBE_APISERVER, WONDERLAND_TESTCLUSTER_ETCD (plain HTTP, e.g. to
#   compact it), WONDERLAND_TESTCLUSTER_STATE, ...
# Stop it with infra/testcluster/stop.sh STATE_DIR. Logs are in STATE_DIR/logs/.
# Environment:
#   WONDERLAND_TESTCLUSTER_CACHE    where build.sh put bin/ (default ~/.cache/wonderland-testcluster)
#   WONDERLAND_TESTCLUSTER_PYTHON   a Python with the `kubernetes` package (default: the repo's
#                                   .venv/bin/python if present, else python3)
#   WONDERLAND_TEST_NAMESPACE       the engine's namespace (default wonderland)
#   WONDERLAND_TEST_WORK_DIR        host folder behind the work-area PVC (default STATE_DIR/work)
#   WONDERLAND_TESTCLUSTER_CPU      the node's CPU capacity, e.g. 16 to schedule more pods at
#                                   once than there are cores (default: this machine's cores)
#   WONDERLAND_TESTCLUSTER_MEMORY   the node's memory capacity, e.g. 64Gi (default: this machine's)
#   WONDERLAND_TESTCLUSTER_SECURITY_CONTEXT  when set (e.g. 1), containers run as their
#                                   securityContext's runAsUser and groups (default: as root)

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE_ROOT="${WONDERLAND_TESTCLUSTER_CACHE:-$HOME/.cache/wonderland-testcluster}"
BIN_DIR="$CACHE_ROOT/bin"
if [[ -n "${WONDERLAND_TESTCLUSTER_PYTHON:-}" ]]; then
  PYTHON="$WONDERLAND_TESTCLUSTER_PYTHON"
elif [[ -x "$REPO/.venv/bin/python" ]]; then
  PYTHON="$REPO/.venv/bin/python"
else
  PYTHON=python3
fi
NAMESPACE="${WONDERLAND_TEST_NAMESPACE:-wonderland}"
NODE_NAME=testcluster-node
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1

log() { printf '[testcluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler; do
  [[ -x "$BIN_DIR/$b" ]] || die "$BIN_DIR/$b is missing; run infra/testcluster/build.sh first"
done
"$PYTHON" -c 'import kubernetes' 2>/dev/null ||
  die "$PYTHON has no 'kubernetes' package; pip install -e '.[test]' or set WONDERLAND_TESTCLUSTER_PYTHON"

if (($# > 0)); then
  STATE="$1"
  mkdir -p "$STATE"
  STATE="$(cd "$STATE" && pwd)"
else
  STATE="$(mktemp -d "${TMPDIR:-/tmp}/wonderland-testcluster.XXXXXX")"
fi
for pidfile in "$STATE"/pids/*.pid; do
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null &&
    die "a test cluster already runs from $STATE (stop it with infra/testcluster/stop.sh $STATE)"
done
rm -rf "$STATE/pids" "$STATE/etcd" "$STATE/pki" "$STATE/pods"
mkdir -p "$STATE/pids" "$STATE/logs"
PKI="$STATE/pki"
WORK_DIR="${WONDERLAND_TEST_WORK_DIR:-$STATE/work}"
mkdir -p "$WORK_DIR"
WORK_DIR="$(cd "$WORK_DIR" && pwd)"

# Six free loopback ports, picked at once so that they differ.
read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT CM_PORT SCHED_PORT KUBELET_PORT < <("$PYTHON" -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
')
APISERVER_URL="https://127.0.0.1:$APISERVER_PORT"

# shellcheck source=infra/testcluster/pki.sh
source "$HERE/pki.sh"

# run NAME COMMAND...: start a daemon in its own session, logging to logs/NAME.log.
run() {
  local name="$1"
  shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
}

alive_or_die() {
  kill -0 "$(cat "$STATE/pids/$1.pid")" 2>/dev/null ||
    die "$1 exited; last lines of $STATE/logs/$1.log: $(tail -n 5 "$STATE/logs/$1.log" | tr '\n' ' ')"
}

# wait_for NAME SECONDS COMMAND...: until COMMAND succeeds, while NAME's process lives.
wait_for() {
  local name="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    alive_or_die "$name"
    ((SECONDS < deadline)) || die "$name not ready after ${seconds}s; see $STATE/logs/$name.log"
    sleep 0.5
  done
}

trap 'log "start failed; stopping what was started"; "$HERE/stop.sh" "$STATE" >/dev/null 2>&1 || true' ERR

start=$SECONDS
log "state in $STATE"
pki_all
write_kubeconfig "$STATE/admin.kubeconfig" wonderland-admin "$PKI/admin.crt" "$PKI/admin.key"
write_kubeconfig "$STATE/controller-manager.kubeconfig" system:kube-controller-manager \
  "$PKI/controller-manager.crt" "$PKI/controller-manager.key"
write_kubeconfig "$STATE/scheduler.kubeconfig" system:kube-scheduler "$PKI/scheduler.crt" "$PKI/scheduler.key"
write_kubeconfig "$STATE/node.kubeconfig" "system:node:$NODE_NAME" "$PKI/node.crt" "$PKI/node.key"

run etcd "$BIN_DIR/etcd" --name testcluster --data-dir "$STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "testcluster=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --log-level warn
wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

run kube-apiserver "$BIN_DIR/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --requestheader-client-ca-file "$PKI/ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/service-account.pub" \
  --service-account-signing-key-file "$PKI/service-account.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --endpoint-reconciler-type none \
  --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$PKI/ca.crt" \
  --kubelet-preferred-address-types InternalIP \
  --profiling=false --v 1
curl_admin() {
  curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$APISERVER_URL$1"
}
wait_for kube-apiserver 180 curl_admin /readyz
log "kube-apiserver ready at $APISERVER_URL after $((SECONDS - start))s"

run kube-controller-manager "$BIN_DIR/kube-controller-manager" \
  --kubeconfig "$STATE/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$CM_PORT" --leader-elect=false \
  --use-service-account-credentials \
  --service-account-private-key-file "$PKI/service-account.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --controllers '*' --kube-api-qps 100 --kube-api-burst 200 --profiling=false --v 1
run kube-scheduler "$BIN_DIR/kube-scheduler" \
  --kubeconfig "$STATE/scheduler.kubeconfig" \
  --authentication-kubeconfig "$STATE/scheduler.kubeconfig" \
  --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false \
  --kube-api-qps 100 --kube-api-burst 200 --profiling=false --v 1
wait_for kube-controller-manager 60 curl -sfk "https://127.0.0.1:$CM_PORT/healthz"
wait_for kube-scheduler 60 curl -sfk "https://127.0.0.1:$SCHED_PORT/healthz"

run node-agent "$PYTHON" "$HERE/node_agent.py" --kubeconfig "$STATE/node.kubeconfig" \
  --node-name "$NODE_NAME" --state-dir "$STATE/node" --port "$KUBELET_PORT" \
  --tls-cert "$PKI/kubelet.crt" --tls-key "$PKI/kubelet.key" --client-ca "$PKI/ca.crt" \
  --apiserver "$APISERVER_URL" ${WONDERLAND_TESTCLUSTER_CPU:+--cpu "$WONDERLAND_TESTCLUSTER_CPU"} \
  ${WONDERLAND_TESTCLUSTER_MEMORY:+--memory "$WONDERLAND_TESTCLUSTER_MEMORY"} \
  ${WONDERLAND_TESTCLUSTER_SECURITY_CONTEXT:+--security-context}

"$PYTHON" "$HERE/bootstrap.py" --kubeconfig "$STATE/admin.kubeconfig" --namespace "$NAMESPACE" \
  --manifests "$REPO/infra/kubernetes" --work-dir "$WORK_DIR" --node-name "$NODE_NAME" \
  --engine-kubeconfig "$STATE/engine.kubeconfig" 2>>"$STATE/logs/bootstrap.log" ||
  die "bootstrap failed: $(tail -n 3 "$STATE/logs/bootstrap.log" | tr '\n' ' ')"
alive_or_die node-agent

{
  printf 'WONDERLAND_TESTCLUSTER_STATE=%q\n' "$STATE"
  printf 'KUBE_APISERVER=%q\n' "$APISERVER_URL"
  printf 'WONDERLAND_TESTCLUSTER_ETCD=http://127.0.0.1:%s\n' "$ETCD_PORT"
  printf 'KUBECONFIG_ADMIN=%q\n' "$STATE/admin.kubeconfig"
  printf 'KUBECONFIG_ENGINE=%q\n' "$STATE/engine.kubeconfig"
  printf 'WONDERLAND_TEST_NAMESPACE=%q\n' "$NAMESPACE"
  printf 'WONDERLAND_TEST_SERVICE_ACCOUNT=wonderland\n'
  printf 'WONDERLAND_TEST_WORK_PVC=wonderland-work\n'
  printf 'WONDERLAND_TEST_WORK_DIR=%q\n' "$WORK_DIR"
  printf 'WONDERLAND_TESTCLUSTER_NODE=%q\n' "$NODE_NAME"
} >"$STATE/env"
trap - ERR
log "ready in $((SECONDS - start))s; kubeconfigs: $STATE/admin.kubeconfig, $STATE/engine.kubeconfig"
echo "$STATE/env"
