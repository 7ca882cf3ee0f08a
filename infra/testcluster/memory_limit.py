"""A container's memory limit, as the node agent keeps it without cgroups: the resident memory
of the container's process group, read from /proc, against `resources.limits.memory`. Over the
limit the group is killed and the container reported OOMKilled (exit code 137), as a kubelet
reports a cgroup's OOM kill. Checked every poll, so a fast burst can pass unseen.
"""

from __future__ import annotations

import os
import re

_QUANTITY = re.compile(r"([0-9.]+(?:e[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?")
_FACTORS = {
    None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}
_PAGE = os.sysconf("SC_PAGE_SIZE")


def parse_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity ("256Mi", "1G", "1e9", "1048576") in bytes."""
    match = _QUANTITY.fullmatch(quantity.strip())
    if not match:
        raise ValueError(f"not a memory quantity: {quantity!r}")
    return int(float(match.group(1)) * _FACTORS[match.group(2)])


def limit_of(container: dict) -> int | None:
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    return parse_bytes(str(limit)) if limit is not None else None


def group_rss(pgid: int) -> int:
    """Resident bytes of the processes in process group `pgid`."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # after "pid (comm)": state ppid pgrp ... rss is field 24 of stat, index 21 here
        if int(fields[2]) == pgid:
            total += int(fields[21]) * _PAGE
    return total
