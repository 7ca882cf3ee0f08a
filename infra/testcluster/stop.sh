#!/usr/bin/env bash
# infra/testcluster/stop.sh — stop a test control plane started by start.sh.
#
# Usage: infra/testcluster/stop.sh [--clean] STATE_DIR
# Sends SIGTERM to the processes named in STATE_DIR/pids/ (the node agent first, which kills
# the pods' processes, then the control plane at once), waits up to 10 s, then SIGKILL.
# --clean also removes STATE_DIR. Only processes start.sh recorded are signalled.

set -euo pipefail

clean=0
if [[ "${1:-}" == --clean ]]; then
  clean=1
  shift
fi
(($# == 1)) || { echo "usage: stop.sh [--clean] STATE_DIR" >&2; exit 2; }
STATE="$1"
[[ -d "$STATE" ]] || { echo "stop.sh: no such state dir: $STATE" >&2; exit 1; }

# stop_all NAME...: SIGTERM to each, then wait (10 s at most) and SIGKILL what is left.
stop_all() {
  local name pids=()
  for name in "$@"; do
    [[ -f "$STATE/pids/$name.pid" ]] || continue
    pids+=("$(cat "$STATE/pids/$name.pid")")
    rm -f "$STATE/pids/$name.pid"
  done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local pid alive
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

stop_all node-agent
stop_all kube-scheduler kube-controller-manager kube-apiserver etcd

if ((clean)); then
  rm -rf "$STATE"
fi
