"""Run one command, time it, and optionally watch the peak memory of it and its direct children.

Peak memory comes from Linux's `/proc/<pid>/status` field `VmHWM` (the high-water mark of the
resident set), polled while the process runs: for the process itself, and for each of its
direct children (the engine's forked workers; the tools those workers start are grandchildren
and are not counted). The exit is first observed without reaping (`waitid` with `WNOWAIT`), so
the pid cannot be reused while it is still being polled, and then reaped with `wait4`, whose
`ru_maxrss` is kept as a cross-check: it is the maximum over the process and every descendant it
reaped, not a sum and not the process alone.
"""

from __future__ import annotations

import glob
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field

POLL_SECONDS = 0.02


@dataclass
class Finished:
    """What one run of a command left behind."""

    returncode: int
    wall_seconds: float
    stdout_path: str
    stderr_path: str
    peak_kib: int | None = None  # VmHWM of the process itself (polled)
    child_peaks_kib: dict[int, int] = field(default_factory=dict)  # VmHWM per direct child
    tree_maxrss_kib: int | None = None  # wait4 ru_maxrss: max over process and reaped descendants

    def stderr_tail(self, lines: int = 15) -> str:
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:]).rstrip()
        except OSError:
            return ""


def _vm_hwm_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None  # gone, or a zombie (its memory map is already released)


def _children(pid: int) -> list[int]:
    pids = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(path, encoding="ascii") as handle:
                pids.extend(int(word) for word in handle.read().split())
        except (OSError, ValueError):
            continue
    return pids


class _MemoryPoller(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib: int | None = None
        self.child_peaks_kib: dict[int, int] = {}
        self.stop = threading.Event()

    def _sample(self) -> None:
        own = _vm_hwm_kib(self.pid)
        if own is not None:
            self.peak_kib = max(own, self.peak_kib or 0)
        for child in _children(self.pid):
            peak = _vm_hwm_kib(child)
            if peak is not None:
                self.child_peaks_kib[child] = max(peak, self.child_peaks_kib.get(child, 0))

    def run(self) -> None:
        while not self.stop.is_set():
            self._sample()
            self.stop.wait(POLL_SECONDS)


def run(command: list[str], folder: str, *, watch_memory: bool = False) -> Finished:
    """Run `command` with stdout and stderr written to files in `folder`; wait for it."""
    stdout_path = os.path.join(folder, "stdout.json")
    stderr_path = os.path.join(folder, "stderr.txt")
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    poller = _MemoryPoller(process.pid) if watch_memory else None
    if poller is not None:
        poller.start()
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    wall = time.perf_counter() - started
    if poller is not None:
        poller.stop.set()
        poller.join()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Finished(
        returncode=process.returncode,
        wall_seconds=wall,
        stdout_path=stdout_path,
        stderr_path=stderr_path,
        peak_kib=poller.peak_kib if poller else None,
        child_peaks_kib=poller.child_peaks_kib if poller else {},
        tree_maxrss_kib=usage.ru_maxrss,
    )
