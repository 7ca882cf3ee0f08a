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


def check_runnable(tool: Process) -> None:
    for process in _processes(tool):
        if process.tool.get("class") == "Operation":
            raise UnsupportedRequirement(
                f"{process.tool['id']}: an abstract Operation cannot be run"
            )


def allow_containers_on_host(tool: Process) -> None:
    for process in _processes(tool):
        docker = [r for r in process.requirements if r.get("class") == "DockerRequirement"]
        for requirement in docker:
            process.requirements.remove(requirement)
            process.hints.append(requirement)
