"""The states of a launch and of a step job, and the transitions allowed between them.

SUCCEEDED never changes. FAILED and CANCELLED are ends too, but a resumed launch runs them
again (as a new attempt). The tables below are the only way a status moves, and `Store`
checks every change against them.
"""

from __future__ import annotations

import enum


class LaunchStatus(enum.IntEnum):
    UNSPECIFIED = 0
    PENDING = 1
    RUNNING = 2
    SUCCEEDED = 3
    FAILED = 4
    CANCELLED = 5

    @property
    def finished(self) -> bool:
        return self in (LaunchStatus.SUCCEEDED, LaunchStatus.FAILED, LaunchStatus.CANCELLED)


class JobStatus(enum.IntEnum):
    UNSPECIFIED = 0
    PENDING = 1
    RUNNING = 2
    SUCCEEDED = 3
    FAILED = 4
    CANCELLED = 5

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


LAUNCH_TRANSITIONS: dict[LaunchStatus, frozenset[LaunchStatus]] = {
    LaunchStatus.PENDING: frozenset(
        {LaunchStatus.RUNNING, LaunchStatus.FAILED, LaunchStatus.CANCELLED}
    ),
    # RUNNING -> RUNNING is a resume after the engine died.
    LaunchStatus.RUNNING: frozenset(
        {LaunchStatus.RUNNING, LaunchStatus.SUCCEEDED, LaunchStatus.FAILED, LaunchStatus.CANCELLED}
    ),
    # A failed launch may be resumed: its finished steps are kept, its failed ones run again.
    LaunchStatus.FAILED: frozenset({LaunchStatus.RUNNING}),
    LaunchStatus.SUCCEEDED: frozenset(),
    LaunchStatus.CANCELLED: frozenset(),
}

JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.RUNNING, JobStatus.CANCELLED, JobStatus.FAILED}),
    # RUNNING -> RUNNING is a new attempt after the process running it died with the engine.
    JobStatus.RUNNING: frozenset(
        {JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
    ),
    # A failed or cancelled step of a resumed launch runs again.
    JobStatus.FAILED: frozenset({JobStatus.RUNNING}),
    JobStatus.CANCELLED: frozenset({JobStatus.RUNNING}),
    JobStatus.SUCCEEDED: frozenset(),
}


class IllegalTransition(Exception):
    """A status change that the transition tables forbid."""
