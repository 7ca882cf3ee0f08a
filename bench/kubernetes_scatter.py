"""A 1,000-step scatter through a real Kubernetes API server (`wonderland run --executor
kubernetes`), with the local executor on the same document as the peer.

Measured in one run:
- Jobs created per second: the bench follows the namespace's Jobs with its own list+watch and
  notes when each Job of the launch is first seen (ADDED), so the rate is (Jobs - 1) / (last
  creation seen - first);
- the time from the last Job seen finished (its Complete condition) to `wonderland run`'s exit
  (the launch recorded done and the outputs moved);
- the engine's peak resident memory (`VmHWM`, process_watch), and the wall times of both runs.

The cluster is the test control plane of `infra/testcluster/`: the one an env file names
(`--cluster-env`, or WONDERLAND_TESTCLUSTER_ENV), else one started for the run with start.sh
(stopped at the end). Its node runs pods as local processes, so the tools' own run time is a
process start, and what is measured is the API server, the controllers and the engine. The
scatter's tool asks for 10 millicores and 16 MiB, so that the node's 110 pods, not its cores,
bound how many run at once. Every run is checked (exit code, each output file's content).
Times are reported, never asserted on.

    python bench/kubernetes_scatter.py [--steps 1000] [--cluster-env FILE] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cwl_documents
import process_watch
from kubernetes import client, config

from wonderland.engine.executors.kubernetes_names import LAUNCH_LABEL
from wonderland.engine.executors.kubernetes_watch import Changed, Relisted, ResourceWatch

ROOT = Path(__file__).resolve().parent.parent
TESTCLUSTER = ROOT / "infra" / "testcluster"


class JobClock:
    """When each Job of the namespace's launches was first seen, and first seen complete."""

    def __init__(self) -> None:
        self.created: dict[str, float] = {}
        self.completed: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, event: Relisted | Changed) -> None:
        now = time.time()
        items = event.items if isinstance(event, Relisted) else [event.object]
        with self._lock:
            for job in items:
                name = job["metadata"]["name"]
                self.created.setdefault(name, now)
                conditions = (job.get("status") or {}).get("conditions") or []
                if any(c["type"] == "Complete" and c["status"] == "True" for c in conditions):
                    self.completed.setdefault(name, now)

    def since(self, started: float) -> tuple[list[float], list[float]]:
        """Creation and completion times of the Jobs first seen after `started`."""
        with self._lock:
            names = [n for n, seen in self.created.items() if seen >= started]
            return (sorted(self.created[n] for n in names),
                    sorted(self.completed[n] for n in names if n in self.completed))


def read_env(path: str) -> dict[str, str]:
    env = {}
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = shlex.split(value)[0] if value else ""
    return env


def start_cluster(state: str) -> str:
    done = subprocess.run(["bash", str(TESTCLUSTER / "start.sh"), state], check=True,
                          capture_output=True, text=True,
                          env={**os.environ, "WONDERLAND_TESTCLUSTER_PYTHON": sys.executable})
    return done.stdout.strip().splitlines()[-1]


def wonderland(folder: str, executor_args: list[str], case: cwl_documents.Case) -> list[str]:
    return [sys.executable, "-m", "wonderland.engine.cli", "run", "--quiet", "--fresh",
            "--db", f"sqlite:///{folder}/state.db", "--outdir", f"{folder}/out",
            "--tmpdir-prefix", f"{folder}/tmp/t-", *executor_args, case.workflow, case.job]


def checked_run(command: list[str], folder: str, case: cwl_documents.Case):
    os.makedirs(folder, exist_ok=True)
    finished = process_watch.run(command, folder, watch_memory=True)
    if finished.returncode != 0:
        raise SystemExit(f"run failed ({finished.returncode}): {finished.stderr_tail()}")
    with open(finished.stdout_path, encoding="utf-8") as handle:
        case.check(json.load(handle))
    return finished, time.time()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--cluster-env", default=os.environ.get("WONDERLAND_TESTCLUSTER_ENV"))
    parser.add_argument("--json", default=None, metavar="FILE")
    args = parser.parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="wonderland-kbench-")
    started_here = None
    if not args.cluster_env:
        started_here = os.path.join(scratch, "cluster")
        args.cluster_env = start_cluster(started_here)
    env = read_env(args.cluster_env)
    try:
        return _bench(args, env, scratch)
    finally:
        if started_here:
            subprocess.run(["bash", str(TESTCLUSTER / "stop.sh"), started_here], check=False)


def _bench(args, env: dict[str, str], scratch: str) -> int:
    work = os.path.join(env["WONDERLAND_TEST_WORK_DIR"], f"bench-{os.getpid()}")
    docs = os.path.join(work, "docs")
    os.makedirs(docs)
    case = cwl_documents.scatter(docs, args.steps)
    document = json.loads(Path(case.workflow).read_text())
    document["steps"]["echo"]["run"]["requirements"] = {
        "ResourceRequirement": {"coresMin": 0.01, "ramMin": 16}}
    Path(case.workflow).write_text(json.dumps(document))

    clock = JobClock()
    api = config.new_client_from_config(env["KUBECONFIG_ADMIN"])
    watch = ResourceWatch("Job", client.BatchV1Api(api).list_namespaced_job,
                          env["WONDERLAND_TEST_NAMESPACE"], LAUNCH_LABEL, clock).start()
    watch.listed.wait(30)
    kubernetes_args = ["--work-dir", env["WONDERLAND_TEST_WORK_DIR"], "--executor", "kubernetes",
                       "--kubeconfig", env["KUBECONFIG_ENGINE"],
                       "--namespace", env["WONDERLAND_TEST_NAMESPACE"],
                       "--work-area-pvc", env["WONDERLAND_TEST_WORK_PVC"]]
    print(f"kubernetes: {args.steps} Jobs ...", file=sys.stderr, flush=True)
    started = time.time()
    k8s, ended = checked_run(wonderland(os.path.join(scratch, "k8s"), kubernetes_args, case),
                             os.path.join(scratch, "k8s"), case)
    created, completed = clock.since(started)
    watch.stop()
    print("local: the same document ...", file=sys.stderr, flush=True)
    local, _ = checked_run(
        wonderland(os.path.join(scratch, "local"), ["--work-dir", os.path.join(work, "local")],
                   case), os.path.join(scratch, "local"), case)
    report = {
        "steps": args.steps,
        "jobs_seen": len(created),
        "jobs_created_per_second": (len(created) - 1) / (created[-1] - created[0]),
        "last_job_complete_to_launch_done_seconds": ended - completed[-1],
        "kubernetes_wall_seconds": k8s.wall_seconds,
        "kubernetes_engine_peak_mib": (k8s.peak_kib or 0) / 1024,
        "local_wall_seconds": local.wall_seconds,
        "local_engine_peak_mib": (local.peak_kib or 0) / 1024,
    }
    print(f"{'':40}{'kubernetes':>14}{'local':>10}")
    print(f"{'wall time (s)':40}{k8s.wall_seconds:>14.1f}{local.wall_seconds:>10.1f}")
    print(f"{'engine peak memory (MiB)':40}{report['kubernetes_engine_peak_mib']:>14.0f}"
          f"{report['local_engine_peak_mib']:>10.0f}")
    print(f"Jobs created per second: {report['jobs_created_per_second']:.1f} "
          f"({len(created)} Jobs seen)")
    print(f"last Job complete -> launch done: "
          f"{report['last_job_complete_to_launch_done_seconds']:.2f} s")
    print(f"kubernetes / local wall time: {k8s.wall_seconds / local.wall_seconds:.1f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
