"""Running one tool invocation (CommandLineTool, ExpressionTool) with cwltool.

cwltool builds the command line, stages the inputs, runs the process and collects the
outputs; this module gives it a runtime context made from the engine's settings and turns
what it reports into a `ToolResult`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
import sys
import threading
from typing import Any

from cwl_utils.errors import WorkflowException
from cwltool.context import RuntimeContext
from cwltool.errors import UnsupportedRequirement
from cwltool.mutation import MutationManager
from cwltool.process import Process

from wonderland.cwl.errors import expression_error, one_line

SUCCESS = "success"
FAILED = "permanentFail"
UNSUPPORTED = "unsupported"

_EXIT_STATUS = re.compile(r"exited with status: (-?\d+)")


@dataclasses.dataclass(frozen=True)
class ToolSettings:
    """What every tool invocation of a launch shares; plain data, so it crosses processes."""

    work_dir: str
    tmpdir_prefix: str
    cachedir: str | None = None
    debug: bool = False
    eval_timeout: float = 60.0
    basedir: str = ""


@dataclasses.dataclass(frozen=True)
class ToolResult:
    status: str
    outputs: dict[str, Any] | None
    exit_code: int | None = None
    message: str = ""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class Scratch:
    """A temporary folder and a staging folder that one process reuses for job after job: each
    job finds them empty, as cwltool's fresh ones would be, and they are emptied after it. This
    saves two mkdirs and two rmdirs per job (metadata writes, slow on a busy disk). They are
    named after `owner` (a worker's pid), so that whoever kills the process can remove them."""

    def __init__(self, tmpdir_prefix: str, owner: int) -> None:
        self.tmpdir = f"{tmpdir_prefix}w{owner}-tmp"
        self.stagedir = f"{tmpdir_prefix}w{owner}-stage"

    def make(self) -> Scratch:
        for folder in (self.tmpdir, self.stagedir):
            os.makedirs(folder, exist_ok=True)
        return self

    def empty(self) -> None:
        """Empty both folders (made again if a tool removed one); one scandir each when, as
        usual, there is nothing in them."""
        for folder in (self.tmpdir, self.stagedir):
            try:
                with os.scandir(folder) as entries:
                    found = list(entries)
            except FileNotFoundError:
                os.makedirs(folder)
                continue
            for entry in found:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):  # left behind, as cwltool's rmtree would
                        os.unlink(entry.path)

    def remove(self) -> None:
        for folder in (self.tmpdir, self.stagedir):
            shutil.rmtree(folder, ignore_errors=True)


def runtime_context(
    settings: ToolSettings, job_dir: str, toplevel: bool = False, *, fresh_job_dir: bool = False,
    scratch: Scratch | None = None,
) -> RuntimeContext:
    """cwltool's context for one job in `job_dir`. A `fresh_job_dir` (just made, empty) is the
    tool's output folder itself, otherwise an output folder is made inside it (an earlier
    attempt's files stay where they are); with `scratch`, its folders are the job's temporary
    and staging folders instead of new ones."""
    context = RuntimeContext()
    context.toplevel = toplevel
    # the job's own name: cwltool's uniquename() walks name_2, name_3, ... over every name it
    # has handed out, which was quadratic over a scatter whose jobs all had the tool's name
    context.name = os.path.basename(job_dir.rstrip("/"))
    if fresh_job_dir:
        context.outdir = job_dir
    context.tmp_outdir_prefix = job_dir.rstrip("/") + "/"
    context.tmpdir_prefix = settings.tmpdir_prefix
    context.stagedir = None
    if scratch is not None:
        context.tmpdir, context.stagedir = scratch.tmpdir, scratch.stagedir
    context.cachedir = settings.cachedir
    context.basedir = settings.basedir
    context.debug = settings.debug
    context.eval_timeout = settings.eval_timeout
    context.use_container = False
    context.default_stdout = sys.stderr
    context.workflow_eval_lock = threading.Condition(threading.RLock())
    context.mutation_manager = MutationManager()
    context.rm_tmpdir = False  # run_tool empties or removes them, cheaper for empty folders
    return context


def run_tool(
    tool: Process, inputs: dict[str, Any], settings: ToolSettings, job_dir: str,
    toplevel: bool = False, scratch: Scratch | None = None,
) -> ToolResult:
    """Run `tool` on `inputs` to completion in this process; never raises for tool failures.

    `toplevel` is true when the tool is the document's main process rather than a step
    (cwltool then discovers secondary files of the inputs). `scratch`, when the caller keeps
    one, holds the job's temporary and staging folders."""
    try:
        os.makedirs(job_dir)
        fresh = True
    except FileExistsError:
        fresh = False
    context = runtime_context(settings, job_dir, toplevel, fresh_job_dir=fresh, scratch=scratch)
    received: dict[str, Any] = {}

    def on_output(outputs: Any, status: str) -> None:
        received["outputs"], received["status"] = outputs, status

    collector = _Collect()
    log = logging.getLogger("cwltool")
    log.addHandler(collector)
    try:
        for job in tool.job(inputs, on_output, context):
            if job is not None:
                if hasattr(job, "process_monitor"):
                    # cwltool samples the tool's memory with psutil from a timer thread, one
                    # thread per job; the engine measures resources itself.
                    job.process_monitor = _wait_only
                try:
                    job.run(context)
                finally:
                    if scratch is None:
                        _remove_scratch(job)
                    else:
                        scratch.empty()
    except UnsupportedRequirement as exc:
        return ToolResult(UNSUPPORTED, None, message=_unsupported(str(exc)))
    except WorkflowException as exc:
        return ToolResult(FAILED, None, message=one_line(exc))
    finally:
        log.removeHandler(collector)
    status = received.get("status", FAILED)
    found = [int(m.group(1)) for line in collector.lines for m in [_EXIT_STATUS.search(line)] if m]
    exit_code = found[-1] if found else (0 if status == SUCCESS else None)
    message = "" if status == SUCCESS else _failure_message(collector.lines, exit_code)
    return ToolResult(
        SUCCESS if status == SUCCESS else FAILED, received.get("outputs"), exit_code, message
    )


def _remove_scratch(job) -> None:
    """Remove a job's temporary and staging folders once it has run, as cwltool would, but
    with one rmdir for the common empty folder instead of a full tree walk."""
    for folder in (getattr(job, "tmpdir", None), getattr(job, "stagedir", None)):
        if folder and os.path.isdir(folder):
            try:
                os.rmdir(folder)
            except OSError:
                shutil.rmtree(folder, ignore_errors=True)


def _wait_only(process) -> None:
    process.wait()


def _unsupported(text: str) -> str:
    if "DockerRequirement under 'requirements'" in text:
        return ("DockerRequirement under 'requirements' needs a container runtime; "
                "pass --no-container to run the tool on the host")
    return " ".join(text.split()) or "unsupported feature"


def _failure_message(lines: list[str], exit_code: int | None) -> str:
    if exit_code not in (None, 0):
        return f"exit code {exit_code}"
    useful = [
        expression_error(line) or " ".join(line.split()[:60])
        for line in lines
        if "completed permanentFail" not in line
    ]
    return "; ".join(useful[-2:]) or "failed"
