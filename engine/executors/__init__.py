"""Executors run step jobs: `submit(task)`, `wait(timeout)` for completions, `cancel`, `close`."""

from wonderland.engine.executors.base import Completion, Task

__all__ = ["Completion", "Task"]
