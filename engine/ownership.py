"""Who is running a launch: an owner string naming a live process, and whether it still lives.

An owner is `host:pid:start`, where start is the process's start time from /proc; a pid that
was reused by another process has another start time, so it is not mistaken for the owner.
"""

from __future__ import annotations

import os
import socket


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        return None


def current_owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or 0}"


def owner_alive(owner: str) -> bool:
    try:
        host, pid, start = owner.rsplit(":", 2)
    except ValueError:
        return False
    if host != socket.gethostname():
        return True  # another machine's process: we cannot tell, so assume it lives
    return _start_time(int(pid)) == start
