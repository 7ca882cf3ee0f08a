"""Local executor: step jobs run in a pool of worker processes forked from the engine.

Each worker holds the loaded CWL document (inherited through fork), runs one tool
invocation at a time with cwltool, and sends back its result. A worker leads its own
process group, so cancelling a job kills the tool's processes with it; a worker whose engine
dies takes its group down too (PR_SET_PDEATHSIG), so nothing keeps running unaccounted for.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from typing import Any

from cwl_utils.sandboxjs import NodeJSEngine

from wonderland.cwl.invocation import FAILED, Scratch, ToolResult, ToolSettings, run_tool
from wonderland.engine.executors.base import Completion, Task, job_file_name

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass
    if os.getppid() != parent:
        os._exit(1)


def _kill_own_group(_signum: int, _frame: Any) -> None:
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _run_logged(
    task: Task, tools: dict[str, Any], settings: ToolSettings, log_dir: str | None,
    scratch: Scratch,
) -> ToolResult:
    """Run one task; with `log_dir`, the tool's stdout and stderr (what it does not capture
    itself) go to `<log_dir>/<job>.log`, appended to by each attempt."""
    tool = tools[task.tool_ref]
    if log_dir is None:
        return run_tool(tool, task.inputs, settings, task.job_dir, task.toplevel, scratch)
    saved = os.dup(1), os.dup(2)
    with open(os.path.join(log_dir, job_file_name(task.key) + ".log"), "ab") as log:
        if task.attempt > 1:
            log.write(f"--- attempt {task.attempt} ---\n".encode())
            log.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        return run_tool(tool, task.inputs, settings, task.job_dir, task.toplevel, scratch)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


def _worker_main(
    conn, tools: dict[str, Any], settings: ToolSettings, parent: int, log_dir: str | None
) -> None:
    os.setpgid(0, 0)
    signal.signal(signal.SIGTERM, _kill_own_group)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    NodeJSEngine.localdata = threading.local()  # the parent's node process is not ours
    sys.stdin = open(os.devnull)
    scratch = Scratch(settings.tmpdir_prefix, os.getpid()).make()
    while True:
        try:
            task: Task | None = conn.recv()
        except (EOFError, OSError):
            break
        if task is None:
            break
        try:
            result = _run_logged(task, tools, settings, log_dir, scratch)
        except Exception as exc:  # a bug or an unexpected cwltool error: report it, stay alive
            result = ToolResult(FAILED, None, message=f"{type(exc).__name__}: {exc}")
        conn.send(Completion(task.key, result))
    scratch.remove()
    os._exit(0)


class _Worker:
    def __init__(self, context, tools, settings: ToolSettings, log_dir) -> None:
        self.settings = settings
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, tools, settings, os.getpid(), log_dir), daemon=True
        )
        self.process.start()
        child.close()
        self.key: str | None = None

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.join(timeout=5)
        self.conn.close()
        Scratch(self.settings.tmpdir_prefix, self.process.pid).remove()


class LocalExecutor:
    """Runs tasks in up to `slots` forked workers; the scheduler decides how many at once."""

    name = "local"

    def __init__(
        self, tools: dict[str, Any], settings: ToolSettings, slots: int,
        log_dir: str | None = None,
    ) -> None:
        self._context = multiprocessing.get_context("fork")
        self._log_dir = log_dir
        self._tools = tools
        self._settings = settings
        self._slots = max(1, slots)
        self._idle: list[_Worker] = []
        self._busy: dict[str, _Worker] = {}

    def submit(self, task: Task) -> None:
        if self._idle:
            worker = self._idle.pop()
        else:
            worker = _Worker(self._context, self._tools, self._settings, self._log_dir)
        worker.key = task.key
        self._busy[task.key] = worker
        worker.conn.send(task)

    def wait(self, timeout: float | None) -> list[Completion]:
        if not self._busy:
            return []
        by_conn = {worker.conn: worker for worker in self._busy.values()}
        done = []
        for conn in multiprocessing.connection.wait(list(by_conn), timeout):
            worker = by_conn[conn]
            key = worker.key
            try:
                completion = conn.recv()
            except (EOFError, OSError):
                completion = Completion(
                    key, ToolResult(FAILED, None, message="worker process died")
                )
                worker.kill()
            else:
                if len(self._idle) < self._slots:
                    self._idle.append(worker)
                else:
                    worker.kill()
            del self._busy[key]
            worker.key = None
            done.append(completion)
        return done

    def job_name(self, key: str, attempt: int) -> None:
        return None

    def cancel(self, keys: list[str]) -> None:
        for key in keys:
            worker = self._busy.pop(key, None)
            if worker is not None:
                worker.kill()

    def cancel_all(self) -> None:
        self.cancel(list(self._busy))

    def close(self) -> None:
        self.cancel_all()
        for worker in self._idle:
            worker.conn.send(None)
        for worker in self._idle:
            worker.process.join(timeout=5)
            worker.conn.close()
        self._idle.clear()
