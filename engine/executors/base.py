"""The executor interface: what goes in (a task) and what comes out (a completion)."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from wonderland.cwl.invocation import ToolResult


@dataclasses.dataclass(frozen=True)
class Task:
    key: str
    tool_ref: str
    inputs: dict[str, Any]
    job_dir: str
    toplevel: bool = False
    attempt: int = 1


def job_file_name(key: str) -> str:
    """A job key as one file name (the job's folder, its log): "main/align[3]" ->
    "main__align_3"."""
    return key.replace("/", "__").replace("[", "_").replace("]", "")


@dataclasses.dataclass(frozen=True)
class Completion:
    key: str
    result: ToolResult


class Executor(Protocol):
    name: str

    def submit(self, task: Task) -> None: ...

    def wait(self, timeout: float | None) -> list[Completion]: ...

    def job_name(self, key: str, attempt: int) -> str | None:
        """The name the backend gives a step job's attempt (recorded with its start)."""
        ...

    def cancel(self, keys: list[str]) -> None: ...

    def cancel_all(self) -> None:
        """Stop every job of the launch (the launch was cancelled or interrupted)."""
        ...

    def close(self) -> None: ...
