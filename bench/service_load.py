"""Load on one `wonderland serve`: many clients submitting small workflows at once.

A real server is started as a subprocess (`python -m wonderland.engine.cli serve`) on
127.0.0.1 with a port it picks itself, a fresh SQLite database (or the database of `--db URL`),
a fresh work area under `$TMPDIR`, and mutual TLS: a CA made with
`wonderland.client.certificates.init_ca`, and one user certificate per client, requested and
signed with `request_certificate` and `sign_csr`. Then `--clients` processes (each with its own
`wonderland.client.Client`) start together and each submits `--per-client` launches of a small
two-step workflow (`echo` a message, then `tr a-z A-Z` it), the message differing per launch so
that no two launches are the same. Each client then waits for its launches (`Client.wait`,
which follows the server's watch stream) and downloads each one's output file.

A launch counts only if it SUCCEEDED and its downloaded output holds its own message upper-cased.
Any submit refused, launch failed, lost (not ended by `--timeout`) or wrong, a server that exits
early, or a line in the server's log that a healthy server does not write, makes the benchmark
exit 1 and keep its scratch folder. Figures are printed, never asserted on; there is no peer
to compare with.

Submit latency is the wall time of one `Client.submit` call in the client process: packing the
workflow (cwltool, once per client: the result is cached per file), building the job order and
the SubmitPipeline call (the server writes the launch's files, loads and validates the document
and inputs with cwltool, and records the launch). The first submit of each client also connects
and does the TLS handshake, so it is reported separately as well.

Peak memory is `VmHWM` of `/proc/<pid>/status`, polled every 20 ms: of the server process, of its
fork server, of each launch runner (the fork server's children) and of the runners' workers.

    python bench/service_load.py [--clients 16] [--per-client 50] [--db URL]
                                 [--max-launches N] [--timeout 3600] [--json out.json] [--keep]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import queue
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import process_watch

from wonderland.client.certificates import init_ca, request_certificate, sign_csr

START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
_LISTENING = re.compile(r"^wonderland: listening on 127\.0\.0\.1:(\d+) ")
# what a healthy server writes; any other line of its log is reported as a problem
_NORMAL_LOG = re.compile(
    r"^wonderland: (listening on .*|launch \d+: started \(runner pid \d+\)|shutting down|stopped)$"
)


class BenchmarkFailed(Exception):
    """The server or the clients could not run at all; the benchmark stops."""


# -- the documents and the certificates --------------------------------------------------------


def write_workflow(folder: Path) -> Path:
    """The two-step workflow: `echo message > message.txt`, then `tr a-z A-Z` of that file."""
    echo = {
        "class": "CommandLineTool",
        "baseCommand": "echo",
        "inputs": {"message": {"type": "string", "inputBinding": {"position": 1}}},
        "stdout": "message.txt",
        "outputs": {"out": {"type": "stdout"}},
    }
    shout = {
        "class": "CommandLineTool",
        "baseCommand": ["tr", "a-z", "A-Z"],
        "inputs": {"text": "File"},
        "stdin": "$(inputs.text.path)",
        "stdout": "shouted.txt",
        "outputs": {"out": {"type": "stdout"}},
    }
    document = {
        "cwlVersion": "v1.2",
        "class": "Workflow",
        "inputs": {"message": "string"},
        "outputs": {"shouted": {"type": "File", "outputSource": "shout/out"}},
        "steps": {
            "write": {"run": echo, "in": {"message": "message"}, "out": ["out"]},
            "shout": {"run": shout, "in": {"text": "write/out"}, "out": ["out"]},
        },
    }
    folder.mkdir(parents=True)
    path = folder / "two_steps.cwl"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def message_of(client: int, number: int) -> str:
    return f"launch {number} of client {client}"


@dataclass(frozen=True)
class UserFiles:
    key: str
    cert: str


def make_pki(base: Path, clients: int) -> tuple[Path, list[UserFiles]]:
    """A CA with a server certificate in `base/ca`, and one signed user certificate per client."""
    ca_dir = base / "ca"
    files = init_ca(ca_dir)
    users = []
    for index in range(clients):
        key, csr = request_certificate(f"bench-{index:02d}", base / "users")
        users.append(UserFiles(str(key), str(sign_csr(ca_dir, csr))))
    return files.ca_cert, users


# -- the server and what it uses --------------------------------------------------------------


@dataclass
class Server:
    """A `wonderland serve` subprocess, its log and the port it listens on."""

    process: subprocess.Popen
    log: Path
    port: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @classmethod
    def start(cls, base: Path, db_url: str, max_launches: int | None) -> Server:
        command = [
            sys.executable, "-m", "wonderland.engine.cli", "serve",
            "--listen", "127.0.0.1:0", "--db", db_url,
            "--work-dir", str(base / "work"), "--tls-dir", str(base / "ca"),
            "--tmpdir-prefix", str(base / "tmp" / "t-"),
        ]
        if max_launches is not None:
            command += ["--max-launches", str(max_launches)]
        env = dict(os.environ)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        log = base / "server.log"
        with open(log, "wb") as handle:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=handle,
                                       stderr=subprocess.STDOUT, env=env)
        server = cls(process, log)
        deadline = time.monotonic() + START_TIMEOUT
        while not server.port:
            for line in server.log_lines():
                if found := _LISTENING.match(line):
                    server.port = int(found.group(1))
            if server.port:
                break
            if process.poll() is not None:
                raise BenchmarkFailed(f"the server exited with {process.returncode} at start:\n"
                                      + "\n".join(server.log_lines()[-15:]))
            if time.monotonic() > deadline:
                server.stop()
                raise BenchmarkFailed(f"the server did not listen within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)
        return server

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()

    def unexpected_log_lines(self) -> list[str]:
        return [line for line in self.log_lines() if not _NORMAL_LOG.match(line)]

    def stop(self) -> int:
        """SIGTERM (the graceful shutdown); SIGKILL if it is not gone within a minute."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _proc_stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rpartition(")")[2].split()
    except OSError:
        return None


def _cpu_seconds(pid: int, *, with_reaped_children: bool = False) -> float | None:
    """utime + stime of a process, and with `with_reaped_children` of the children it reaped."""
    fields = _proc_stat_fields(pid)
    if fields is None or len(fields) < 15:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def _is_fork_server(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"forkserver" in handle.read()
    except OSError:
        return False


class ServerWatch(threading.Thread):
    """Polls the server's process tree: the VmHWM of the server, its fork server, each launch
    runner (the fork server's children) and each runner's children (its workers), and the CPU
    time of the server and of the fork server with the runners it reaped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True, name="server-watch")
        self.pid = pid
        self.server_kib: int | None = None
        self.fork_server_kib: int | None = None
        self.runner_kib: dict[int, int] = {}
        self.worker_kib: dict[int, int] = {}
        self.server_cpu = 0.0
        self.runners_cpu = 0.0
        self._fork_server: int | None = None
        self._others: set[int] = set()
        self._stopping = threading.Event()

    def _fork_server_pid(self) -> int | None:
        if self._fork_server is None:
            for child in process_watch._children(self.pid):
                if child not in self._others:
                    if _is_fork_server(child):
                        self._fork_server = child
                        break
                    self._others.add(child)  # the resource tracker
        return self._fork_server

    @staticmethod
    def _peak(peaks: dict[int, int], pid: int) -> None:
        kib = process_watch._vm_hwm_kib(pid)
        if kib is not None:
            peaks[pid] = max(kib, peaks.get(pid, 0))

    def sample(self) -> None:
        own = process_watch._vm_hwm_kib(self.pid)
        if own is not None:
            self.server_kib = max(own, self.server_kib or 0)
        self.server_cpu = _cpu_seconds(self.pid) or self.server_cpu
        fork_server = self._fork_server_pid()
        if fork_server is None:
            return
        kib = process_watch._vm_hwm_kib(fork_server)
        if kib is not None:
            self.fork_server_kib = max(kib, self.fork_server_kib or 0)
        self.runners_cpu = (_cpu_seconds(fork_server, with_reaped_children=True)
                            or self.runners_cpu)
        for runner in process_watch._children(fork_server):
            self._peak(self.runner_kib, runner)
            for worker in process_watch._children(runner):
                self._peak(self.worker_kib, worker)

    def run(self) -> None:
        while not self._stopping.is_set():
            self.sample()
            self._stopping.wait(process_watch.POLL_SECONDS)

    def finish(self) -> None:
        self._stopping.set()
        self.join()


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is counted in user already
    return total - idle, total


# -- one client process -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClientJob:
    """What a client process is given."""

    index: int
    address: str
    ca: str
    user: UserFiles
    workflow: str
    per_client: int
    downloads: str
    deadline: float  # time.time() by which every launch must have ended


def _check_output(client, launch_id: int, expected: str, folder: str) -> str | None:
    """None when the launch's downloaded output holds `expected`, else what is wrong."""
    outputs = client.outputs(launch_id, folder)
    shouted = outputs.get("shouted")
    if not isinstance(shouted, dict) or not shouted.get("path"):
        return f"no output file 'shouted' in {sorted(outputs)}"
    with open(shouted["path"], encoding="utf-8") as handle:
        got = handle.read()
    return None if got == expected else f"output holds {got!r}, expected {expected!r}"


def client_main(job: ClientJob, barrier, results) -> None:
    """Submit every launch, then wait for each, check its output; put one dict on `results`."""
    report: dict[str, Any] = {"index": job.index, "launches": []}
    try:
        from wonderland.client import Client, ClientError
        from wonderland.client.client import status_name
        from wonderland.protos import wonderland_pb2 as pb

        client = Client(job.address, ca=job.ca, cert=job.user.cert, key=job.user.key)
        barrier.wait()
        launches = report["launches"]
        for number in range(job.per_client):
            entry: dict[str, Any] = {"client": job.index, "number": number,
                                     "submitted_at": time.time()}
            started = time.perf_counter()
            try:
                launch = client.submit(job.workflow, {"message": message_of(job.index, number)},
                                       name=f"client-{job.index}-{number}", progress=False)
                entry["latency_s"] = time.perf_counter() - started
                entry["id"] = launch.id
            except ClientError as exc:
                entry["error"] = f"submit: {exc}"
            entry["submit_ended_at"] = time.time()
            launches.append(entry)
        for entry in launches:
            if "id" not in entry:
                continue
            try:
                ended = client.wait(entry["id"], timeout=max(1.0, job.deadline - time.time()),
                                    progress=False)
            except ClientError as exc:
                entry["error"] = f"lost: {exc}"
                continue
            entry["status"] = ended.status
            entry["created_at"] = ended.created_at.ToMicroseconds() / 1e6
            entry["finished_at"] = ended.finished_at.ToMicroseconds() / 1e6
            if ended.status != pb.LAUNCH_STATUS_SUCCEEDED:
                entry["error"] = (f"launch {entry['id']} ended {status_name(ended.status)}"
                                  + (f": {ended.message}" if ended.message else ""))
                continue
            expected = message_of(job.index, entry["number"]).upper() + "\n"
            folder = os.path.join(job.downloads, f"launch-{entry['id']}")
            try:
                wrong = _check_output(client, entry["id"], expected, folder)
            except (ClientError, OSError, ValueError) as exc:
                wrong = f"output: {exc}"
            if wrong:
                entry["error"] = f"launch {entry['id']}: {wrong}"
        client.close()
    except Exception as exc:  # the client could not go on: say why rather than vanish
        report["fatal"] = f"{type(exc).__name__}: {exc}"
    finally:
        usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                      resource.RUSAGE_CHILDREN)]
        report["cpu_s"] = sum(u.ru_utime + u.ru_stime for u in usage)
        results.put(report)


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """Everything the clients reported, and what the benchmark saw of the server."""

    launches: list[dict[str, Any]] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)
    clients_cpu_s: float = 0.0
    started_at: float = 0.0  # time.time() when the clients were let go


def run_clients(jobs: list[ClientJob], server: Server) -> Outcome:
    context = multiprocessing.get_context("spawn")  # each client a fresh program, as a user's
    barrier = context.Barrier(len(jobs) + 1)
    results = context.Queue()
    processes = [context.Process(target=client_main, args=(job, barrier, results),
                                 name=f"client-{job.index}") for job in jobs]
    for process in processes:
        process.start()
    outcome = Outcome()
    try:
        barrier.wait(timeout=START_TIMEOUT)
    except threading.BrokenBarrierError:
        for process in processes:
            process.kill()
        raise BenchmarkFailed(f"the clients were not ready within {START_TIMEOUT:.0f} s") from None
    outcome.started_at = time.time()
    reports: dict[int, dict[str, Any]] = {}
    gone_since: dict[int, float] = {}  # a client's report may still be in the queue's pipe
    while len(reports) < len(jobs):
        try:
            report = results.get(timeout=1.0)
            reports[report["index"]] = report
            continue
        except queue.Empty:
            pass
        for job, process in zip(jobs, processes, strict=True):
            if job.index not in reports and not process.is_alive():
                since = gone_since.setdefault(job.index, time.monotonic())
                if time.monotonic() - since > 5.0:
                    reports[job.index] = {
                        "index": job.index, "launches": [], "cpu_s": 0.0,
                        "fatal": f"the process died (exit code {process.exitcode})",
                    }
        if server.process.poll() is not None:
            outcome.fatal.append(f"the server exited with {server.process.returncode} "
                                 "while the clients ran")
            for process in processes:
                process.kill()
            break
    for process in processes:
        process.join()
    for report in sorted(reports.values(), key=lambda r: r["index"]):
        outcome.launches.extend(report["launches"])
        outcome.clients_cpu_s += report.get("cpu_s", 0.0)
        if "fatal" in report:
            outcome.fatal.append(f"client {report['index']}: {report['fatal']}")
    return outcome


# -- the figures ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p% of the values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _shown(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def _mb(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.0f} MB"


def _rate(count: int, seconds: float | None) -> float | None:
    return count / seconds if seconds and seconds > 0 else None


@dataclass
class ServerProblems:
    """What went wrong on the server's side: its exit, and its log's unexpected lines."""

    problems: list[str]  # the exit, and each unexpected log line that is not part of a traceback
    unexpected_lines: int


def server_problems(server: Server, returncode: int) -> ServerProblems:
    unexpected = server.unexpected_log_lines()
    headlines = [f"server log: {line}" for line in unexpected
                 if line.strip() and not line.startswith((" ", "Traceback", "The above",
                                                          "During handling"))]
    if returncode != 0:
        headlines.insert(0, f"the server exited with {returncode} at SIGTERM")
    return ServerProblems(headlines, len(unexpected))


def grouped(texts: list[str], width: int = 300) -> list[list[Any]]:
    """Texts that differ only in their numbers counted together: [count, the first of them],
    most frequent first."""
    groups: dict[str, list[str]] = {}
    for text in texts:
        groups.setdefault(re.sub(r"\d+", "N", text), []).append(text)
    return sorted(([len(v), v[0][:width]] for v in groups.values()), key=lambda g: -g[0])


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def figures(args: argparse.Namespace, outcome: Outcome, watch: ServerWatch,
            machine: dict[str, Any], server: ServerProblems) -> dict[str, Any]:
    launches = outcome.launches
    submitted = [e for e in launches if "id" in e]
    succeeded = [e for e in submitted if "error" not in e]
    latencies = [e["latency_s"] for e in submitted]
    firsts = [e["latency_s"] for e in submitted if e["number"] == 0]
    others = [e["latency_s"] for e in submitted if e["number"] > 0]
    submit_wall = (max(e["submit_ended_at"] for e in launches) - outcome.started_at
                   if launches else None)
    finished = [e["finished_at"] for e in succeeded]
    end_to_end = max(finished) - outcome.started_at if finished else None
    in_server = [e["finished_at"] - e["created_at"] for e in succeeded]
    expected = args.clients * args.per_client
    clients = list(outcome.fatal)
    if len(launches) < expected and not outcome.fatal:
        clients.append(f"{expected - len(launches)} launches were never submitted")
    failures = {
        "launches": len([e for e in launches if "error" in e]),
        "launch_errors": grouped([e["error"] for e in launches if "error" in e]),
        "clients": clients,
        "server": grouped(server.problems),
        "server_log_lines": server.unexpected_lines,
    }
    return {
        "clients": args.clients,
        "per_client": args.per_client,
        "database": "sqlite (fresh file)" if args.db is None else args.db_shown,
        "max_launches": args.max_launches,
        "launches_expected": expected,
        "launches_submitted": len(submitted),
        "launches_succeeded": len(succeeded),
        "submit_phase_s": submit_wall,
        "submit_launches_per_s": _rate(len(submitted), submit_wall),
        "end_to_end_s": end_to_end,
        "completed_launches_per_s": _rate(len(succeeded), end_to_end),
        "submit_latency_ms": {
            "p50": _ms(percentile(latencies, 50)), "p99": _ms(percentile(latencies, 99)),
            "max": _ms(max(latencies) if latencies else None),
            "first_per_client_p50": _ms(percentile(firsts, 50)),
            "first_per_client_max": _ms(max(firsts) if firsts else None),
            "later_p50": _ms(percentile(others, 50)), "later_p99": _ms(percentile(others, 99)),
        },
        "in_server_s": {"p50": percentile(in_server, 50), "p99": percentile(in_server, 99)},
        "memory_mb": {
            "server": watch.server_kib and watch.server_kib / 1024,
            "fork_server": watch.fork_server_kib and watch.fork_server_kib / 1024,
            "max_runner": max(watch.runner_kib.values()) / 1024 if watch.runner_kib else None,
            "runners_seen": len(watch.runner_kib),
            "max_worker": max(watch.worker_kib.values()) / 1024 if watch.worker_kib else None,
            "workers_seen": len(watch.worker_kib),
        },
        "cpu_s": {"server": watch.server_cpu, "runners": watch.runners_cpu,
                  "clients": outcome.clients_cpu_s, "benchmark": _own_cpu_seconds()},
        "machine": machine,
        "failures": failures,
    }


def print_figures(report: dict[str, Any], watch: ServerWatch) -> None:
    lat = report["submit_latency_ms"]
    machine = report["machine"]
    ours = sum(report["cpu_s"].values())
    max_launches = report["max_launches"] or "4 (the server's default)"

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} s"

    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    print()
    print(f"{report['clients']} clients × {report['per_client']} launches of a 2-step workflow, "
          f"one server over mutual TLS; database {report['database']}; "
          f"--max-launches {max_launches}")
    print(f"launches             {report['launches_expected']} expected, "
          f"{report['launches_submitted']} submitted, {report['launches_succeeded']} succeeded "
          "with the right output")
    print(f"submit phase         {seconds(report['submit_phase_s'])}: "
          f"{rate(report['submit_launches_per_s'])} launches/s submitted")
    print(f"end to end           {seconds(report['end_to_end_s'])}: "
          f"{rate(report['completed_launches_per_s'])} launches/s completed")
    print(f"submit latency       p50 {_shown(lat['p50'])} ms, p99 {_shown(lat['p99'])} ms, "
          f"max {_shown(lat['max'])} ms (first submit of each client: p50 "
          f"{_shown(lat['first_per_client_p50'])} ms, max {_shown(lat['first_per_client_max'])}"
          f" ms; later submits: p50 {_shown(lat['later_p50'])} ms, p99 "
          f"{_shown(lat['later_p99'])} ms)")
    in_server = report["in_server_s"]
    print(f"time in server       p50 {seconds(in_server['p50'])}, p99 {seconds(in_server['p99'])}"
          " from recorded to finished (PENDING in the queue, then running)")
    print(f"server peak memory   server {_mb(watch.server_kib)}; launch runners max "
          f"{_mb(max(watch.runner_kib.values()) if watch.runner_kib else None)} "
          f"({len(watch.runner_kib)} seen); their workers max "
          f"{_mb(max(watch.worker_kib.values()) if watch.worker_kib else None)} "
          f"({len(watch.worker_kib)} seen); fork server {_mb(watch.fork_server_kib)}")
    cpu = report["cpu_s"]
    print(f"CPU time             server {cpu['server']:.0f} s, launch runners {cpu['runners']:.0f}"
          f" s, clients {cpu['clients']:.0f} s, this benchmark's process (polling /proc) "
          f"{cpu['benchmark']:.0f} s")
    print(f"machine              {machine['cpus']} CPUs; load average {machine['load_before']} "
          f"before; CPU busy {machine['busy_percent']:.0f}% during the run "
          f"({machine['busy_cpu_s']:.0f} CPU-s, of which about {ours:.0f} this benchmark's)")
    failures = report["failures"]
    if not failed(report):
        print("failures             none: no launch lost, failed or wrong; no error in the "
              "server's log")
        return
    print(f"FAILURES             {failures['launches']} launches lost, failed or wrong; "
          f"{failures['server_log_lines']} unexpected lines in the server's log")
    for count, example in failures["launch_errors"]:
        print(f"  {count} × {example}")
    for fatal in failures["clients"]:
        print(f"  {fatal}")
    for count, example in failures["server"][:10]:
        print(f"  {count} × {example}")


def failed(report: dict[str, Any]) -> bool:
    failures = report["failures"]
    return bool(failures["launches"] or failures["clients"] or failures["server"]
                or failures["server_log_lines"])


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="client processes")
    parser.add_argument("--per-client", type=int, default=50, help="launches each submits")
    parser.add_argument("--db", metavar="URL", help="the server's database (default: a fresh "
                        "SQLite file in the scratch folder)")
    parser.add_argument("--max-launches", type=int, metavar="N",
                        help="passed to 'wonderland serve' (launches running at once)")
    parser.add_argument("--timeout", type=float, default=3600.0, metavar="SECONDS",
                        help="a launch not ended this long after the start is lost")
    parser.add_argument("--json", metavar="FILE", help="also write every figure here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    for name in ("clients", "per_client", "max_launches"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.db:
        import sqlalchemy

        args.db_shown = sqlalchemy.make_url(args.db).render_as_string(hide_password=True)
    return args


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    base = Path(tempfile.mkdtemp(prefix="wonderland-service-load-"))
    _progress(f"scratch folder: {base}")
    server = None
    try:
        ca_cert, users = make_pki(base, args.clients)
        workflow = write_workflow(base / "documents")
        db_url = args.db or f"sqlite:///{base / 'state.db'}"
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        busy_before, total_before = machine_cpu_ticks()
        server = Server.start(base, db_url, args.max_launches)
        _progress(f"server listening on {server.address} (pid {server.process.pid}); "
                  f"starting {args.clients} clients")
        watch = ServerWatch(server.process.pid)
        watch.start()
        deadline = time.time() + args.timeout
        jobs = [ClientJob(index, server.address, str(ca_cert), users[index], str(workflow),
                          args.per_client, str(base / "downloads" / f"client-{index}"), deadline)
                for index in range(args.clients)]
        outcome = run_clients(jobs, server)
        watch.finish()
        watch.sample()
        returncode = server.stop()
        busy_after, total_after = machine_cpu_ticks()
    except BenchmarkFailed as exc:
        print(f"BENCHMARK FAILED: {exc}", file=sys.stderr)
        print(f"(scratch folder kept: {base})", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()  # a no-op once it has exited; never left running on an error
    cpus = os.cpu_count() or 1
    machine = {
        "cpus": cpus, "python": platform.python_version(), "platform": platform.platform(),
        "load_before": load_before,
        "busy_cpu_s": (busy_after - busy_before) / CLK_TCK,
        "busy_percent": 100 * (busy_after - busy_before) / max(1, total_after - total_before),
    }
    report = figures(args, outcome, watch, machine, server_problems(server, returncode))
    print_figures(report, watch)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({**report, "launches": outcome.launches}, handle, indent=2)
            handle.write("\n")
    if failed(report):
        print(f"(scratch folder kept: {base}; the server's log is {server.log})", file=sys.stderr)
        return 1
    if args.keep:
        _progress(f"scratch folder kept: {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
