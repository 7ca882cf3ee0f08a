"""The live progress line on stderr: steps done, running, waiting (only on a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.interval = 0.2 if self.enabled else None
        self.done = self.running = self.waiting = self.failed = self.reused = 0
        self._started = time.monotonic()
        self._last = 0.0
        self._width = 0

    def line(self) -> str:
        parts = [f"{self.done} done", f"{self.running} running", f"{self.waiting} waiting"]
        if self.reused:
            parts.append(f"{self.reused} reused")
        if self.failed:
            parts.append(f"{self.failed} failed")
        return f"steps: {', '.join(parts)}  [{time.monotonic() - self._started:.1f}s]"

    def show(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        text = self.line()
        self.stream.write("\r" + text.ljust(self._width))
        self._width = len(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._width:
            self.show(force=True)
            self.stream.write("\n")
            self.stream.flush()
