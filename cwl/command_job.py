"""One CommandLineTool run split in two halves for a process elsewhere (a Kubernetes pod).

`prepare_command` has cwltool build the tool's command line, environment, redirections and
staged inputs exactly as it would to run it here, without running it; the caller runs that
command somewhere that sees the same paths. `PreparedCommand.finish` takes the exit code and
has cwltool collect the outputs from the output folder, as its own job runner does after the
process ends. Every folder is named after the job's output folder, so a command prepared again
(after an engine restart) names the same paths as the one already running.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from typing import Any

from cwl_utils.errors import WorkflowException
from cwltool.command_line_tool import CommandLineTool
from cwltool.errors import UnsupportedRequirement
from cwltool.job import CommandLineJob, relink_initialworkdir
from cwltool.process import Process, stage_files
from cwltool.utils import bytes2str_in_dicts

from wonderland.cwl.errors import one_line
from wonderland.cwl.invocation import (
    FAILED,
    SUCCESS,
    UNSUPPORTED,
    ToolResult,
    ToolSettings,
    runtime_context,
)


@dataclasses.dataclass
class PreparedCommand:
    """What to run (argv, env, cwd, redirections) and what it needs (image, resources, time
    limit), and cwltool's job that collects the outputs once it has run."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    stdout: str | None
    stderr: str | None
    timelimit: int
    image: str | None
    cores: float
    ram_mib: float
    ram_max_mib: float | None
    scratch: tuple[str, str]
    job: CommandLineJob
    _received: dict[str, Any]

    def stage(self) -> None:
        """Make the folders and link the inputs, as cwltool does before running a command;
        what an earlier, interrupted preparation left there is removed first."""
        for folder in (self.cwd, *self.scratch):
            shutil.rmtree(folder, ignore_errors=True)
        for folder in (self.cwd, *self.scratch):
            os.makedirs(folder)
        job = self.job
        stage_files(job.pathmapper, ignore_writable=True, symlink=True)
        if job.generatemapper is not None:
            stage_files(job.generatemapper, ignore_writable=job.inplace_update, symlink=True)
            relink_initialworkdir(
                job.generatemapper, job.outdir, job.builder.outdir,
                inplace_update=job.inplace_update,
            )
        for path in (self.stdout, self.stderr):
            if path:
                os.makedirs(os.path.dirname(path), exist_ok=True)

    def finish(self, exit_code: int | None, failure: str = "") -> ToolResult:
        """The tool's result once its process ended with `exit_code`, or did not end by itself
        (`exit_code` None, `failure` says why): the outputs are collected only after an exit
        code the tool counts as success."""
        job = self.job
        try:
            if exit_code is None:
                return ToolResult(FAILED, None, None, failure or "failed")
            if exit_code in job.successCodes or (
                exit_code == 0 and exit_code not in job.permanentFailCodes
                and exit_code not in job.temporaryFailCodes
            ):
                status = SUCCESS
            else:
                return ToolResult(FAILED, None, exit_code, failure or f"exit code {exit_code}")
            if job.generatemapper is not None:
                relink_initialworkdir(
                    job.generatemapper, job.outdir, job.builder.outdir,
                    inplace_update=job.inplace_update,
                )
            outputs = bytes2str_in_dicts(job.collect_outputs(job.outdir, exit_code))
            with self._context.workflow_eval_lock:
                job.output_callback(outputs, status)
        except (WorkflowException, OSError) as exc:
            return ToolResult(FAILED, None, exit_code, one_line(exc))
        finally:
            for folder in self.scratch:
                shutil.rmtree(folder, ignore_errors=True)
        return ToolResult(self._received.get("status", FAILED), self._received.get("outputs"),
                          exit_code)

    @property
    def stdin(self) -> str | None:
        """The file the tool reads on stdin (known once staged: literal files are written
        then)."""
        job = self.job
        if job.stdin is None:
            return None
        found = job.pathmapper.reversemap(job.stdin)
        if found is None:
            raise WorkflowException(f"{job.stdin} missing from the path mapper")
        return found[1]

    @property
    def _context(self):
        return self._received["context"]


def prepare_command(
    tool: Process, inputs: dict[str, Any], settings: ToolSettings, outdir: str,
    toplevel: bool = False,
) -> PreparedCommand | ToolResult:
    """cwltool's job for `tool` on `inputs`, with `outdir` as its output folder and
    `outdir`.tmp and .stage beside it; a `ToolResult` instead when there is nothing to run
    (a failure to build the command, or a result cwltool found in its cache)."""
    if not isinstance(tool, CommandLineTool):
        return ToolResult(FAILED, None, message="only command line tools run as pods")
    context = runtime_context(settings, outdir, toplevel, fresh_job_dir=True)
    context.tmpdir, context.stagedir = outdir + ".tmp", outdir + ".stage"
    received: dict[str, Any] = {"context": context}

    def on_output(outputs: Any, status: str) -> None:
        received["outputs"], received["status"] = outputs, status

    try:
        for job in tool.job(inputs, on_output, context):
            if job is None:
                continue
            if not isinstance(job, CommandLineJob):  # a cache hit: cwltool answers at once
                job.run(context)
                return ToolResult(received.get("status", FAILED), received.get("outputs"))
            job._setup(context)  # checks the inputs, plans InitialWorkDirRequirement's files
            return _prepared(job, received)
    except UnsupportedRequirement as exc:
        return ToolResult(UNSUPPORTED, None, message=" ".join(str(exc).split()))
    except WorkflowException as exc:
        return ToolResult(FAILED, None, message=one_line(exc))
    return ToolResult(received.get("status", FAILED), received.get("outputs"))


def _prepared(job: CommandLineJob, received: dict[str, Any]) -> PreparedCommand:
    argv = [str(arg) for arg in job.command_line]
    if not argv:
        raise WorkflowException("the tool's command line is empty (no baseCommand, arguments "
                                "or input bindings)")
    docker, _ = job.get_requirement("DockerRequirement")
    resources = job.builder.resources
    return PreparedCommand(
        argv=argv,
        env=dict(job.environment),
        cwd=job.outdir,
        stdout=os.path.join(job.outdir, job.stdout) if job.stdout else None,
        stderr=os.path.join(job.outdir, job.stderr) if job.stderr else None,
        timelimit=int(job.timelimit or 0),
        image=(docker or {}).get("dockerPull"),
        cores=float(resources.get("cores", 1)),
        ram_mib=float(resources.get("ram", 256)),
        ram_max_mib=_ram_max(job),
        scratch=(job.tmpdir, job.stagedir),
        job=job,
        _received=received,
    )


def _ram_max(job: CommandLineJob) -> float | None:
    """ResourceRequirement's `ramMax`, evaluated (None when the tool sets none)."""
    requirement, _ = job.get_requirement("ResourceRequirement")
    value = (requirement or {}).get("ramMax")
    if isinstance(value, str):
        value = job.builder.do_eval(value)
    return None if value is None else float(value)
