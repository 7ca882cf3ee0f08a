"""Wonderland's `wonderland run` against `cwltool --parallel`, measured in the same run.

Benchmarks (see bench/README.md):

- single tool: one CommandLineTool (`echo`) run as the main process — the fixed cost of a run;
- scatter N (default 500): that tool scattered over an int array of N elements;
- chain N (default 50): N steps, each reading the previous step's output file;
- memory N (default 5,000): a scatter of N steps through `wonderland run` alone, watching the
  peak resident memory of the engine process and, separately, of its forked workers.

Every run gets fresh folders (outputs, temporary files; for wonderland also a fresh SQLite
state database and work area, with `--fresh`), so nothing is resumed or cached. Every run is
checked — exit code, the printed output object, the files in the output folder — and a run that
failed or produced the wrong outputs stops the benchmark with exit code 1 rather than counting
as a fast run. Times are reported, never asserted on.

    python bench/engine_vs_cwltool.py [--sizes scatter=500 chain=50 memory=5000]
                                      [--repeat 3] [--json out.json] [--with-cwltool-5000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

import cwl_documents
import process_watch
from cwl_documents import Case, WrongOutputs

DEFAULT_SIZES = {"scatter": 500, "chain": 50, "memory": 5000}
MEMORY_LIMIT_MB = 500
WONDERLAND, CWLTOOL = "wonderland", "cwltool"


class BenchmarkFailed(Exception):
    """A runner failed or produced wrong outputs; the benchmark stops."""


@dataclass
class Runners:
    """The two commands, and whether `wonderland run` knows `--fresh`."""

    wonderland: str
    cwltool: str
    wonderland_fresh: bool

    def command(self, runner: str, case: Case, folder: str, outdir: str) -> list[str]:
        tmp = os.path.join(folder, "tmp") + os.sep
        if runner == WONDERLAND:
            command = [
                self.wonderland, "run", "--quiet",
                "--outdir", outdir,
                "--db", "sqlite:///" + os.path.join(folder, "state.db"),
                "--work-dir", os.path.join(folder, "work"),
                "--tmpdir-prefix", tmp,
            ]
            if self.wonderland_fresh:
                command.append("--fresh")
        else:
            command = [
                self.cwltool, "--parallel", "--quiet",
                "--outdir", outdir,
                "--tmpdir-prefix", tmp,
                "--tmp-outdir-prefix", os.path.join(folder, "tmp-out") + os.sep,
            ]
        return [*command, case.workflow, case.job]


@dataclass
class Timing:
    """The wall times of one benchmark for both runners."""

    case: Case
    walls: dict[str, list[float]] = field(default_factory=dict)

    def median(self, runner: str) -> float | None:
        walls = self.walls.get(runner)
        return statistics.median(walls) if walls else None


def _find(name: str) -> str:
    beside_python = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(beside_python, os.X_OK):
        return beside_python
    found = shutil.which(name)
    if found is None:
        raise BenchmarkFailed(f"{name}: not found beside {sys.executable} nor on PATH")
    return found


def _knows_fresh(wonderland: str) -> bool:
    helped = subprocess.run(
        [wonderland, "run", "--help"], capture_output=True, text=True, check=False
    )
    return "--fresh" in helped.stdout


def _count_files(folder: str) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def _run_once(
    runners: Runners, runner: str, case: Case, base: str, label: str, *, watch_memory: bool
) -> process_watch.Finished:
    folder = tempfile.mkdtemp(prefix=f"{runner}-{label}-", dir=base)
    outdir = os.path.join(folder, "outdir")
    os.makedirs(outdir)
    command = runners.command(runner, case, folder, outdir)
    finished = process_watch.run(command, folder, watch_memory=watch_memory)
    where = f"{runner} on {case.name}"
    if finished.returncode != 0:
        raise BenchmarkFailed(
            f"{where} exited {finished.returncode}\n  command: {' '.join(command)}\n"
            f"  stderr (last lines):\n{finished.stderr_tail()}"
        )
    try:
        with open(finished.stdout_path, encoding="utf-8") as handle:
            outputs = json.load(handle)
        case.check(outputs)
    except (ValueError, WrongOutputs) as exc:
        raise BenchmarkFailed(f"{where}: wrong outputs: {exc}") from exc
    produced = _count_files(outdir)
    if produced != case.expected_files:
        raise BenchmarkFailed(
            f"{where}: {produced} files in the output folder, expected {case.expected_files}"
        )
    shutil.rmtree(folder, ignore_errors=True)
    return finished


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_case(runners: Runners, case: Case, base: str, repeat: int) -> Timing:
    """Run both runners `repeat` times, alternating them so drift in the machine hits both."""
    timing = Timing(case)
    for attempt in range(1, repeat + 1):
        for runner in (WONDERLAND, CWLTOOL):
            finished = _run_once(runners, runner, case, base, "t", watch_memory=False)
            timing.walls.setdefault(runner, []).append(finished.wall_seconds)
            _progress(
                f"  {case.name:<14} {runner:<10} run {attempt}/{repeat}: "
                f"{finished.wall_seconds:8.2f} s"
            )
    return timing


def measure_memory(runners: Runners, case: Case, base: str, runner: str) -> dict[str, Any]:
    """One run of `case` with the runner's main process and its direct children watched."""
    finished = _run_once(runners, runner, case, base, "m", watch_memory=True)
    peak_mb = finished.peak_kib / 1024 if finished.peak_kib is not None else None
    children = finished.child_peaks_kib
    result = {
        "runner": runner,
        "steps": case.steps,
        "wall_seconds": finished.wall_seconds,
        "main_peak_mb": peak_mb,
        "under_limit": peak_mb is not None and peak_mb < MEMORY_LIMIT_MB,
        "children_seen": len(children),
        "max_child_peak_mb": max(children.values()) / 1024 if children else None,
        "tree_maxrss_mb": finished.tree_maxrss_kib / 1024 if finished.tree_maxrss_kib else None,
    }
    _progress(f"  {case.name:<14} {runner:<10} memory run: {finished.wall_seconds:8.2f} s")
    return result


def _per_step_ms(timing: Timing, single: Timing, runner: str) -> float | None:
    wall, fixed = timing.median(runner), single.median(runner)
    if wall is None or fixed is None or timing.case.steps <= 1:
        return None
    return (wall - fixed) / timing.case.steps * 1000


def _fmt(value: float | None, spec: str, none: str = "-") -> str:
    return none if value is None else format(value, spec)


def print_tables(timings: list[Timing], memory: list[dict[str, Any]], repeat: int) -> None:
    single = timings[0]
    print()
    print(f"Wall time, median of {repeat} (lower is better); ratio = cwltool / wonderland")
    header = (
        f"{'benchmark':<15}{'steps':>7}{'wonderland s':>14}{'cwltool s':>12}"
        f"{'× faster':>11}{'wonderland ms/step':>20}{'cwltool ms/step':>17}"
    )
    print(header)
    print("-" * len(header))
    for timing in timings:
        ours, theirs = timing.median(WONDERLAND), timing.median(CWLTOOL)
        ratio = theirs / ours if ours and theirs else None
        print(
            f"{timing.case.name:<15}{timing.case.steps:>7}{_fmt(ours, '.2f'):>14}"
            f"{_fmt(theirs, '.2f'):>12}{_fmt(ratio, '.2f') + '×' if ratio else '-':>11}"
            f"{_fmt(_per_step_ms(timing, single, WONDERLAND), '.1f'):>20}"
            f"{_fmt(_per_step_ms(timing, single, CWLTOOL), '.1f'):>17}"
        )
    print("ms/step = (median wall - median wall of the single tool) / steps: the engine's own")
    print("cost per step on top of the tool's (and of starting the runner).")
    if not memory:
        return
    print()
    print(f"Peak resident memory (VmHWM), one run each; limit {MEMORY_LIMIT_MB} MB")
    header = (
        f"{'runner':<12}{'steps':>7}{'wall s':>9}{'main MB':>10}{'< limit':>9}"
        f"{'max child MB':>14}{'children':>10}{'tree max MB':>13}"
    )
    print(header)
    print("-" * len(header))
    for row in memory:
        print(
            f"{row['runner']:<12}{row['steps']:>7}{row['wall_seconds']:>9.1f}"
            f"{_fmt(row['main_peak_mb'], '.0f'):>10}{'yes' if row['under_limit'] else 'NO':>9}"
            f"{_fmt(row['max_child_peak_mb'], '.0f'):>14}{row['children_seen']:>10}"
            f"{_fmt(row['tree_maxrss_mb'], '.0f'):>13}"
        )
    print("main = the runner's own process; child = its direct children (wonderland's forked")
    print("workers, which share the engine's pages at fork); tree max = wait4 ru_maxrss, the")
    print("maximum over the process and every descendant it reaped (a cross-check, not a sum).")


def _parse_sizes(values: list[str]) -> dict[str, int]:
    sizes = dict(DEFAULT_SIZES)
    for value in values:
        key, _, number = value.partition("=")
        if key not in sizes or not number.isdigit() or int(number) < 1:
            raise SystemExit(
                f"--sizes: expected KEY=N with KEY in {', '.join(sizes)} and N >= 1, got {value!r}"
            )
        sizes[key] = int(number)
    return sizes


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="*", default=[], metavar="KEY=N",
        help="steps per benchmark: scatter=500 chain=50 memory=5000 (memory=0 is not allowed; "
        "use --no-memory to skip it)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per runner (median taken)")
    parser.add_argument("--json", metavar="FILE", help="also write every measurement here")
    parser.add_argument(
        "--with-cwltool-5000", action="store_true",
        help="also run cwltool on the memory benchmark's scatter (slow)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory benchmark")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.sizes = _parse_sizes(args.sizes)
    return args


def _report(args, runners: Runners, timings: list[Timing], memory: list[dict[str, Any]]) -> dict:
    return {
        "sizes": args.sizes,
        "repeat": args.repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runners": {"wonderland": runners.wonderland, "cwltool": runners.cwltool},
        "timings": [
            {
                "benchmark": timing.case.name,
                "steps": timing.case.steps,
                "walls_seconds": timing.walls,
                "median_seconds": {r: timing.median(r) for r in (WONDERLAND, CWLTOOL)},
                "per_step_ms": {
                    r: _per_step_ms(timing, timings[0], r) for r in (WONDERLAND, CWLTOOL)
                },
            }
            for timing in timings
        ],
        "memory": memory,
    }


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    base = tempfile.mkdtemp(prefix="wonderland-bench-")
    try:
        wonderland = _find("wonderland")
        runners = Runners(wonderland, _find("cwltool"), _knows_fresh(wonderland))
        documents = os.path.join(base, "documents")
        os.makedirs(documents)
        cases = [
            cwl_documents.single_tool(documents),
            cwl_documents.scatter(documents, args.sizes["scatter"]),
            cwl_documents.chain(documents, args.sizes["chain"]),
        ]
        _progress(f"scratch folder: {base}")
        timings = [time_case(runners, case, base, args.repeat) for case in cases]
        memory = []
        if not args.no_memory:
            big = cwl_documents.scatter(documents, args.sizes["memory"])
            memory.append(measure_memory(runners, big, base, WONDERLAND))
            if args.with_cwltool_5000:
                memory.append(measure_memory(runners, big, base, CWLTOOL))
    except BenchmarkFailed as exc:
        print(f"BENCHMARK FAILED: {exc}", file=sys.stderr)
        print(f"(scratch folder kept: {base})", file=sys.stderr)
        return 1
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    print_tables(timings, memory, args.repeat)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(_report(args, runners, timings, memory), handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
