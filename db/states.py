"""The states of a launch and of a step job, and the transitions allowed between them.

FAILED and CANCELLED are ends, but a resumed launch runs them again (as a new attempt);
SUCCEEDED changes only when its output files are gone, to FAILED, so that it runs again.
The tables below are the only way a status moves, and `Store` checks every change against
them.
"""

from __future__ import annotations

import enum

_STATES = {"UNSPECIFIED": 0, "PENDING": 1, "RUNNING": 2, "SUCCEEDED": 3, "FAILED": 4,
           "CANCELLED": 5}


class _Ends:
    @property
    def finished(self) -> bool:
        """SUCCEEDED, FAILED or CANCELLED: the run is over (only SUCCEEDED is final)."""
        return self.value >= 3  # type: ignore[attr-defined]


# Launches and step jobs share the six states (the proto's enums mirror them).
LaunchStatus = enum.IntEnum("LaunchStatus", _STATES, type=_Ends, module=__name__)
JobStatus = enum.IntEnum("JobStatus", _STATES, type=_Ends, module=__name__)


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
    # A success whose output files were deleted is void: resuming records it as FAILED
    # (Store.void_jobs, the only way out of SUCCEEDED) and runs it again.
    JobStatus.SUCCEEDED: frozenset({JobStatus.FAILED}),
}

# A job's end is recorded only for a job that is under way.
JOB_UNDER_WAY = frozenset({JobStatus.PENDING, JobStatus.RUNNING})


class IllegalTransition(Exception):
    """A status change that the transition tables forbid."""
