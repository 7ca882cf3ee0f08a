"""What a Job's and its pod's status say about a step job: finished (with an exit code, or a
reason it did not exit by itself), or stuck in a way that will not resolve itself.

Plain functions of the objects as the API server returns them (dicts), so the executor's
decisions can be read in one place: a Job that completed or failed is finished, the exit code
comes from its pod's terminated container; `DeadlineExceeded` is the tool's time limit; an
OOMKilled container ran out of memory; a pod that cannot pull its image or create its
container will not get better, and a pod the scheduler cannot place is given up after a
configured time (the executor keeps that clock).
"""

from __future__ import annotations

import dataclasses
from typing import Any

# ErrImagePull alone is not final: the kubelet tries again (a registry's hiccup), and says
# ImagePullBackOff when a retry failed too
IMAGE_ERRORS = {"ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
CONTAINER_ERRORS = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A finished step job: the tool's exit code if it exited, and what else to say."""

    exit_code: int | None
    failure: str = ""


def _condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind and condition.get("status") == "True":
            return condition
    return None


def _terminated(pod: dict[str, Any] | None) -> dict[str, Any] | None:
    for status in ((pod or {}).get("status") or {}).get("containerStatuses") or []:
        terminated = (status.get("state") or {}).get("terminated")
        if terminated:
            return terminated
    return None


def job_outcome(
    job: dict[str, Any], pod: dict[str, Any] | None, deadline: int = 0
) -> Outcome | None:
    """The outcome of a Job whose controller has finished with it, else None. `pod` is the
    Job's pod as last seen (its terminated container holds the exit code)."""
    if _condition(job, "Complete"):
        terminated = _terminated(pod)
        return Outcome(terminated.get("exitCode", 0) if terminated else 0)
    failed = _condition(job, "Failed")
    if failed is None:
        return None
    if failed.get("reason") == "DeadlineExceeded":
        limit = f" ({deadline} s)" if deadline else ""
        return Outcome(None, f"time limit exceeded{limit}")
    terminated = _terminated(pod)
    if terminated is None:
        reason = failed.get("reason") or "Failed"
        return Outcome(None, f"the Job failed without an exit code ({reason}: "
                             f"{failed.get('message', '')})".replace(": )", ")"))
    code = terminated.get("exitCode")
    if terminated.get("reason") == "OOMKilled":
        return Outcome(code, f"out of memory (OOMKilled, exit code {code})")
    return Outcome(code)


def lacks_exit_code(job: dict[str, Any], pod: dict[str, Any] | None) -> bool:
    """Whether the Job failed by its pod's exit, but that pod's exit is not known yet."""
    failed = _condition(job, "Failed")
    return (failed is not None and failed.get("reason") != "DeadlineExceeded"
            and _terminated(pod) is None)


def pod_problem(pod: dict[str, Any]) -> str | None:
    """Why the pod's container will never start, if that is so."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        waiting = (status.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason")
        detail = f"{reason}: {waiting.get('message', '')}".rstrip(": ")
        if reason in IMAGE_ERRORS:
            return f"image {status.get('image', '?')} cannot be pulled ({detail})"
        if reason in CONTAINER_ERRORS:
            return f"the container cannot be created ({detail})"
    return None


def unschedulable(pod: dict[str, Any]) -> str | None:
    """The scheduler's message while it cannot place the pod, else None."""
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if (condition.get("type") == "PodScheduled" and condition.get("status") == "False"
                and condition.get("reason") == "Unschedulable"):
            return condition.get("message") or "no node fits"
    return None
