"""Running one tool invocation (CommandLineTool, ExpressionTool) with cwltool.

cwltool builds the command line, stages the inputs, runs the process and collects the
outputs; this module gives it a runtime context made from the engine's settings and turns
what it reports into a `ToolResult`.
"""

from __future__ import annotations

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


def runtime_context(settings: ToolSettings, job_dir: str, toplevel: bool = False) -> RuntimeContext:
    context = RuntimeContext()
    context.toplevel = toplevel
    context.tmp_outdir_prefix = job_dir.rstrip("/") + "/"
    context.tmpdir_prefix = settings.tmpdir_prefix
    context.stagedir = None
    context.cachedir = settings.cachedir
    context.basedir = settings.basedir
    context.debug = settings.debug
    context.eval_timeout = settings.eval_timeout
    context.use_container = False
    context.default_stdout = sys.stderr
    context.workflow_eval_lock = threading.Condition(threading.RLock())
    context.mutation_manager = MutationManager()
    context.rm_tmpdir = False  # _remove_scratch does it, cheaper for the usual empty folders
    return context


def run_tool(
    tool: Process, inputs: dict[str, Any], settings: ToolSettings, job_dir: str,
    toplevel: bool = False,
) -> ToolResult:
    """Run `tool` on `inputs` to completion in this process; never raises for tool failures.

    `toplevel` is true when the tool is the document's main process rather than a step
    (cwltool then discovers secondary files of the inputs)."""
    os.makedirs(job_dir, exist_ok=True)
    context = runtime_context(settings, job_dir, toplevel)
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
                    _remove_scratch(job)
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
