"""Checks and rewrites of requirements before a document runs.

Wonderland runs tools on the host. A DockerRequirement under `hints` is therefore ignored;
under `requirements` it makes the tool unsupported unless the user passes `--no-container`,
which moves it to the hints. Abstract `Operation` processes cannot run at all.
"""

from __future__ import annotations

from cwltool.errors import UnsupportedRequirement
from cwltool.process import Process
from cwltool.workflow import Workflow


def _processes(tool: Process):
    yield tool
    if isinstance(tool, Workflow):
        for step in tool.steps:
            yield from _processes(step.embedded_tool)


def _name(process: Process) -> str:
    ident = str(process.tool.get("id", ""))
    return ident.rsplit("/", 1)[-1] if ident.startswith("file://") else ident or "a tool"


def check_runnable(tool: Process, containers_on_host: bool) -> None:
    """Refuse, before anything runs, what cannot run here: abstract Operations, and command
    line tools that require a container (unless the user said to run them on the host);
    expression tools need no container whatever they declare."""
    for process in _processes(tool):
        if process.tool.get("class") == "Operation":
            raise UnsupportedRequirement(f"{_name(process)}: an abstract Operation cannot be run")
        if (
            not containers_on_host
            and process.tool.get("class") == "CommandLineTool"
            and any(r.get("class") == "DockerRequirement" for r in process.requirements)
        ):
            raise UnsupportedRequirement(
                f"{_name(process)}: DockerRequirement under 'requirements' needs a container "
                "runtime; pass --no-container to run the tool on the host"
            )


def allow_containers_on_host(tool: Process) -> None:
    for process in _processes(tool):
        docker = [r for r in process.requirements if r.get("class") == "DockerRequirement"]
        for requirement in docker:
            process.requirements.remove(requirement)
            process.hints.append(requirement)
