"""What the executor concludes from a Job's and its pod's status, for the states the test
cluster's node cannot produce (it pulls no image and enforces no memory limit): the objects are
status samples in the API's own shape, as a kubelet reports them."""

from __future__ import annotations

from wonderland.engine.executors.kubernetes_state import (
    Outcome,
    job_outcome,
    lacks_exit_code,
    pod_problem,
    unschedulable,
)


def job(kind: str | None, reason: str = "") -> dict:
    conditions = [{"type": kind, "status": "True", "reason": reason}] if kind else []
    return {"status": {"conditions": conditions}}


def pod(state: dict, image: str = "alpine:3.20") -> dict:
    return {"status": {"phase": "Running",
                       "containerStatuses": [{"name": "step", "image": image, "state": state}]}}


def test_a_completed_job_takes_its_exit_code_from_the_pod() -> None:
    assert job_outcome(job("Complete"), pod({"terminated": {"exitCode": 0}})) == Outcome(0)
    assert job_outcome(job(None), pod({"running": {}})) is None


def test_a_failed_job_reports_the_exit_code_or_what_killed_it() -> None:
    failed = job("Failed", "BackoffLimitExceeded")
    assert job_outcome(failed, pod({"terminated": {"exitCode": 3, "reason": "Error"}})) == \
        Outcome(3)
    oom = job_outcome(failed, pod({"terminated": {"exitCode": 137, "reason": "OOMKilled"}}))
    assert oom == Outcome(137, "out of memory (OOMKilled, exit code 137)")
    assert lacks_exit_code(failed, pod({"running": {}}))
    assert not lacks_exit_code(failed, pod({"terminated": {"exitCode": 3}}))


def test_deadline_exceeded_is_the_time_limit() -> None:
    outcome = job_outcome(job("Failed", "DeadlineExceeded"), None, deadline=30)
    assert outcome == Outcome(None, "time limit exceeded (30 s)")
    assert not lacks_exit_code(job("Failed", "DeadlineExceeded"), None)


def test_image_and_container_errors_say_which() -> None:
    pulling = pod({"waiting": {"reason": "ImagePullBackOff",
                               "message": 'Back-off pulling image "nope:1"'}}, image="nope:1")
    assert pod_problem(pulling) == (
        'image nope:1 cannot be pulled (ImagePullBackOff: Back-off pulling image "nope:1")')
    config = pod({"waiting": {"reason": "CreateContainerConfigError",
                              "message": 'secret "x" not found'}})
    assert pod_problem(config) == (
        'the container cannot be created (CreateContainerConfigError: secret "x" not found)')
    assert pod_problem(pod({"waiting": {"reason": "ContainerCreating"}})) is None


def test_unschedulable_gives_the_schedulers_message() -> None:
    pending = {"status": {"phase": "Pending", "conditions": [{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": "0/1 nodes are available: 1 Insufficient cpu."}]}}
    assert unschedulable(pending) == "0/1 nodes are available: 1 Insufficient cpu."
    assert unschedulable(pod({"running": {}})) is None
