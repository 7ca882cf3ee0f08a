"""Resuming launches through the real CLI and SQLite: after SIGKILL of the engine, after Ctrl-C,
and after a failed step; and `--fresh`, which starts over.

Steps append their item to a side-effect log outside the work area, so the log shows how many
times each step job really ran, whatever the engine believes.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from conftest import DATA, Result, Sandbox

from wonderland.db import JobStatus, LaunchStatus

ITEMS = list(range(6))


def log_items(log: Path) -> list[int]:
    if not log.exists():
        return []
    return [int(line) for line in log.read_text().splitlines() if line.strip()]


def start(sandbox: Sandbox, args: list) -> subprocess.Popen:
    sandbox.root.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        sandbox.command(args),
        cwd=sandbox.root,
        env=sandbox.env(),
        stdin=subprocess.DEVNULL,
        stdout=open(sandbox.root / "stdout.txt", "w"),  # noqa: SIM115 - closed with the process
        stderr=open(sandbox.root / "stderr.txt", "w"),  # noqa: SIM115
    )


def wait_for_lines(log: Path, count: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(log_items(log)) < count:
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, f"fewer than {count} lines in {log} after {timeout}s"
        time.sleep(0.02)


def interrupt_after(
    sandbox: Sandbox, args: list, log: Path, lines: int, sig: signal.Signals
) -> int:
    """Start `wonderland run ARGS`, send `sig` once `lines` steps have logged, reap it, and
    return its exit status."""
    proc = start(sandbox, args)
    try:
        wait_for_lines(log, lines, proc)
    finally:
        proc.send_signal(sig)
        proc.wait(timeout=30)  # reaped: its pid no longer names a live owner
    return proc.returncode


def succeeded(result: Result) -> dict:
    assert result.returncode == 0, f"exit {result.returncode}, stderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.json()


def scatter_job(tmp_path: Path, name: str, log: Path, seconds: float = 1.0) -> Path:
    job = tmp_path / name
    job.write_text(json.dumps({"items": ITEMS, "log": str(log), "seconds": seconds}))
    return job


def test_sigkill_then_rerun_resumes_without_repeating_finished_steps(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path / "interrupted")
    log = tmp_path / "side-effects.log"
    args = ["--parallel", "1", DATA / "resume_scatter.cwl", scatter_job(tmp_path, "job.json", log)]

    assert interrupt_after(sandbox, args, log, 3, signal.SIGKILL) == -signal.SIGKILL

    store = sandbox.open_store()
    try:
        [killed] = store.list_launches()
        at_kill = {job.job_key: job.status for job in store.jobs(killed.id)}
    finally:
        store.close()
    assert killed.status == LaunchStatus.RUNNING  # the dead engine could not say otherwise
    done_before = {key for key, status in at_kill.items() if status == JobStatus.SUCCEEDED}
    running_at_kill = {key for key, status in at_kill.items() if status == JobStatus.RUNNING}
    assert done_before, at_kill
    assert len(running_at_kill) <= 1, at_kill  # --parallel 1

    time.sleep(0.3)  # the step that was running dies with the engine's workers
    lines_at_kill = len(log_items(log))
    time.sleep(0.3)
    assert len(log_items(log)) == lines_at_kill, "a step kept running after the engine died"

    resumed = succeeded(sandbox.run(args))

    runs = collections.Counter(log_items(log))
    assert sorted(runs) == ITEMS, runs  # every item ran
    for key in done_before:
        index = int(key.removeprefix("work[").removesuffix("]"))
        assert runs[index] == 1, f"{key} had finished before the kill but ran again: {runs}"
    twice = [item for item, count in runs.items() if count > 1]
    assert all(count <= 2 for count in runs.values()), runs
    assert len(twice) <= 1, runs
    assert {f"work[{item}]" for item in twice} <= running_at_kill

    store = sandbox.open_store()
    try:
        launches = store.list_launches()
        jobs = {job.job_key: job for job in store.jobs(killed.id)}
    finally:
        store.close()
    assert [(launch.id, launch.status) for launch in launches] == [
        (killed.id, LaunchStatus.SUCCEEDED)
    ]
    assert set(jobs) == {f"work[{i}]" for i in ITEMS} | {"gather"}
    assert all(job.status == JobStatus.SUCCEEDED for job in jobs.values())
    for key in done_before:
        assert jobs[key].attempt == 1
    for key in running_at_kill:
        assert jobs[key].attempt == 2

    fresh = Sandbox(tmp_path / "uninterrupted")
    other_log = tmp_path / "uninterrupted.log"
    job = scatter_job(tmp_path, "fresh-job.json", other_log)
    uninterrupted = succeeded(fresh.run([DATA / "resume_scatter.cwl", job]))
    assert resumed == uninterrupted == {"gathered": ",".join(f"item-{i}" for i in ITEMS)}
    assert sorted(log_items(other_log)) == ITEMS


def test_ctrl_c_then_rerun_resumes_the_same_launch(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path / "run")
    log = tmp_path / "side-effects.log"
    items = ITEMS[:4]
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"items": items, "log": str(log), "seconds": 1.0}))
    args = ["--parallel", "1", DATA / "resume_scatter.cwl", job]

    assert interrupt_after(sandbox, args, log, 2, signal.SIGINT) == 130
    assert "Traceback" not in (sandbox.root / "stderr.txt").read_text()
    [interrupted] = sandbox.launches()
    assert interrupted.status != LaunchStatus.RUNNING

    resumed = succeeded(sandbox.run(args))
    assert resumed == {"gathered": ",".join(f"item-{i}" for i in items)}
    assert [(launch.id, launch.status) for launch in sandbox.launches()] == [
        (interrupted.id, LaunchStatus.SUCCEEDED)
    ]
    runs = collections.Counter(log_items(log))
    assert runs[0] == 1, runs  # finished before Ctrl-C, not run again
    assert sorted(runs) == items


def flaky_args(tmp_path: Path) -> tuple[list, Path, Path]:
    log, flag = tmp_path / "side-effects.log", tmp_path / "flag"
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"log": str(log), "flag": str(flag)}))
    return [DATA / "flaky.cwl", job], log, flag


def test_rerun_of_a_failed_launch_resumes_it_and_keeps_finished_steps(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path / "run")
    args, log, flag = flaky_args(tmp_path)

    first = sandbox.run(args)
    assert first.returncode == 1, first.stderr
    [failed] = sandbox.launches()
    assert failed.status == LaunchStatus.FAILED
    store = sandbox.open_store()
    try:
        assert {job.job_key: job.status for job in store.jobs(failed.id)} == {
            "before": JobStatus.SUCCEEDED,
            "check": JobStatus.FAILED,
        }
    finally:
        store.close()

    flag.touch()
    outputs = succeeded(sandbox.run(args))
    assert outputs == {"before": "item-7", "check": "item-0"}
    assert [(launch.id, launch.status) for launch in sandbox.launches()] == [
        (failed.id, LaunchStatus.SUCCEEDED)
    ]
    assert log_items(log) == [7, 0, 0]  # `before` ran once, `check` twice
    store = sandbox.open_store()
    try:
        attempts = {job.job_key: (job.status, job.attempt) for job in store.jobs(failed.id)}
    finally:
        store.close()
    assert attempts == {"before": (JobStatus.SUCCEEDED, 1), "check": (JobStatus.SUCCEEDED, 2)}


def test_fresh_starts_a_new_launch_and_runs_everything_again(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path / "run")
    args, log, flag = flaky_args(tmp_path)

    assert sandbox.run(args).returncode == 1
    [failed] = sandbox.launches()

    flag.touch()
    outputs = succeeded(sandbox.run(["--fresh", *args]))
    assert outputs == {"before": "item-7", "check": "item-0"}
    launches = {launch.id: launch.status for launch in sandbox.launches()}
    assert len(launches) == 2
    [new_id] = set(launches) - {failed.id}
    assert launches == {failed.id: LaunchStatus.FAILED, new_id: LaunchStatus.SUCCEEDED}
    assert log_items(log) == [7, 0, 7, 0]  # nothing reused


def test_rerun_of_a_succeeded_launch_starts_a_new_one(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path / "run")
    args, log, flag = flaky_args(tmp_path)
    flag.touch()
    first = succeeded(sandbox.run(args))
    second = succeeded(sandbox.run(args))
    assert first == second
    assert [launch.status for launch in sandbox.launches()] == [LaunchStatus.SUCCEEDED] * 2
    assert log_items(log) == [7, 0, 7, 0]


def test_rerun_after_a_failure_that_cancelled_running_siblings(tmp_path: Path) -> None:
    """Item 0 fails while item 1 still runs, so item 1 is cancelled; the rerun must run it."""
    sandbox = Sandbox(tmp_path / "run")
    log, flag = tmp_path / "side-effects.log", tmp_path / "flag"
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"items": [0, 1], "log": str(log), "flag": str(flag), "seconds": 2}))
    args = ["--parallel", "2", DATA / "flaky_scatter.cwl", job]

    first = sandbox.run(args)
    assert first.returncode == 1, first.stderr
    [failed] = sandbox.launches()
    store = sandbox.open_store()
    try:
        statuses = {job.job_key: job.status for job in store.jobs(failed.id)}
    finally:
        store.close()
    assert statuses == {"work[0]": JobStatus.FAILED, "work[1]": JobStatus.CANCELLED}

    flag.touch()
    outputs = succeeded(sandbox.run(args))
    assert outputs == {"results": ["item-0", "item-1"]}
    assert [(launch.id, launch.status) for launch in sandbox.launches()] == [
        (failed.id, LaunchStatus.SUCCEEDED)
    ]


def test_killed_engine_leaves_no_step_process_behind(tmp_path: Path) -> None:
    """The step running when the engine is SIGKILLed must not finish on its own."""
    sandbox = Sandbox(tmp_path / "run")
    log = tmp_path / "side-effects.log"
    marker = tmp_path / "finished"
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"log": str(log), "marker": str(marker)}))
    proc = start(sandbox, [DATA / "slow_marker.cwl", job])
    try:
        wait_for_lines(log, 1, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    time.sleep(2)  # the step would have written the marker after 1 s
    assert not marker.exists()
    assert not os.path.exists(sandbox.outdir / "marker")


def test_rerun_after_the_work_area_was_deleted_runs_the_lost_steps_again(tmp_path: Path) -> None:
    """Finished steps whose output files are gone are not kept: they run again."""
    sandbox = Sandbox(tmp_path / "run")
    log = tmp_path / "side-effects.log"
    job = scatter_job(tmp_path, "job.json", log)
    args = ["--parallel", "1", DATA / "resume_scatter_files.cwl", job]
    interrupt_after(sandbox, args, log, 3, signal.SIGKILL)
    ran_before = collections.Counter(log_items(log))
    shutil.rmtree(sandbox.work_dir)

    result = succeeded(sandbox.run(args))
    assert result == {"gathered": "".join(f"item-{i}," for i in ITEMS)}
    runs = collections.Counter(log_items(log))
    for item in ran_before:
        assert runs[item] == ran_before[item] + 1, (ran_before, runs)
