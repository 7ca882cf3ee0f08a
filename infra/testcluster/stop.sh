#!/usr/bin/env bash
# infra/testcluster/stop.sh — stop a test control plane started by start.sh.
#
# Usage: infra/testcluster/stop.sh [--clean] STATE_DIR
# Sends SIGTERM to the processes named in STATE_DIR/pids/ (the node agent first, which kills
# the pods' processes; etcd last), waits up to 10 s each, then SIGKILL. --clean also removes
# STATE_DIR. Only processes start.sh recorded are signalled.

set -euo pipefail

clean=0
if [[ "${1:-}" == --clean ]]; then
  clean=1
  shift
fi
(($# == 1)) || { echo "usage: stop.sh [--clean] STATE_DIR" >&2; exit 2; }
STATE="$1"
[[ -d "$STATE" ]] || { echo "stop.sh: no such state dir: $STATE" >&2; exit 1; }

for name in node-agent kube-scheduler kube-controller-manager kube-apiserver etcd; do
  pidfile="$STATE/pids/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done

if ((clean)); then
  rm -rf "$STATE"
fi
