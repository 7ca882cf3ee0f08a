"""Kubernetes executor: each step job runs as one batch/v1 Job.

`submit` has cwltool prepare the tool's command (staged in the shared work area), and has a Job
created under the step job's deterministic name (`kubernetes_create`, a few creates in flight at
once); if a Job of that name exists already (an engine that restarted, or crashed between
creating and recording), it is followed instead, never created twice. The Jobs and pods of the
launch are followed by two list+watches of the namespace by the launch's label
(`kubernetes_watch`), whose events reach `wait` through one queue: no thread or watch per job.
`wait` turns finished Jobs into completions (cwltool collects the outputs from the work area)
and gives up on pods that will not run. `cancel` deletes Jobs with their pods; `close` leaves
running Jobs alone, to be followed again by the next engine that resumes the launch.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import queue
import re
import time
from typing import Any

from cwl_utils.errors import WorkflowException
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from wonderland.cwl.command_job import PreparedCommand, prepare_command
from wonderland.cwl.errors import one_line
from wonderland.cwl.invocation import FAILED, ToolResult, ToolSettings
from wonderland.engine.executors.base import Completion, Task
from wonderland.engine.executors.kubernetes_client import (
    KubernetesConfigError,
    api_message,
    connect,
)
from wonderland.engine.executors.kubernetes_create import Created, JobCreator
from wonderland.engine.executors.kubernetes_logs import keep_log, pod_log
from wonderland.engine.executors.kubernetes_manifest import job_manifest
from wonderland.engine.executors.kubernetes_names import job_name, launch_selector, launch_tag
from wonderland.engine.executors.kubernetes_state import (
    job_outcome,
    lacks_exit_code,
    pod_problem,
    unschedulable,
)
from wonderland.engine.executors.kubernetes_watch import Changed, Relisted, ResourceWatch
from wonderland.engine.kubernetes_settings import KubernetesSettings

log = logging.getLogger("wonderland")
LIST_TIMEOUT = 30.0
_SCATTER_INDEX = re.compile(r"\[\d+\]")


@dataclasses.dataclass
class _Running:
    task: Task
    command: PreparedCommand
    unschedulable_since: float | None = None


class StagingFailed(Exception):
    """A step job's inputs could not be staged: its failure, in one line."""


class KubernetesExecutor:
    name = "kubernetes"

    def __init__(
        self, tools: dict[str, Any], settings: ToolSettings, kubernetes: KubernetesSettings,
        launch_id: int, log_dir: str | None = None,
    ) -> None:
        self._tools = tools
        self._settings = settings
        self._k8s = kubernetes
        self._tag = launch_tag(launch_id, settings.work_dir)
        self._log_dir = log_dir
        self._api = connect(kubernetes.kubeconfig)
        self._batch = client.BatchV1Api(self._api)
        self._core = client.CoreV1Api(self._api)
        self._events: queue.Queue[Relisted | Changed | Created] = queue.Queue()
        self._jobs: dict[str, dict[str, Any]] = {}  # by Job name, as last seen
        self._pods: dict[str, dict[str, Any]] = {}  # by the pod's Job name, the newest pod
        self._running: dict[str, _Running] = {}  # by Job name
        self._unconfirmed: set[str] = set()  # created, not yet seen by the watch
        self._ready: list[Completion] = []
        self._creator = JobCreator(self._batch, kubernetes.namespace, self._events.put)
        selector = launch_selector(self._tag)
        self._watches = [
            ResourceWatch("Job", self._batch.list_namespaced_job, kubernetes.namespace,
                          selector, self._events.put).start(),
            ResourceWatch("Pod", self._core.list_namespaced_pod, kubernetes.namespace,
                          selector, self._events.put).start(),
        ]
        for watch in self._watches:
            watch.answered.wait(LIST_TIMEOUT)
            if not watch.listed.is_set():
                self.close()
                why = f": {watch.last_error}" if watch.last_error else ""
                raise KubernetesConfigError(
                    f"cannot list {watch.kind}s in namespace {kubernetes.namespace!r} at "
                    f"{self._api.configuration.host}{why or f' within {LIST_TIMEOUT:g} s'}"
                )
        self._absorb(0)

    def job_name(self, key: str, attempt: int) -> str:
        return job_name(self._tag, key, attempt)

    # -- submit -------------------------------------------------------------------------------

    def submit(self, task: Task) -> None:
        outdir = task.job_dir
        if task.attempt > 1:
            outdir = os.path.join(task.job_dir, f"attempt-{task.attempt}")
        prepared = prepare_command(
            self._tools[task.tool_ref], task.inputs, self._settings, outdir, task.toplevel
        )
        if isinstance(prepared, ToolResult):
            self._ready.append(Completion(task.key, prepared))
            return
        name = self.job_name(task.key, task.attempt)
        self._absorb(0)
        if name in self._jobs:
            log.debug("following Job %s (created before)", name)
        else:
            try:
                self._creator.create(name, self._staged(name, task, prepared))
            except StagingFailed as exc:
                self._ready.append(Completion(task.key, ToolResult(FAILED, None,
                                                                   message=str(exc))))
                return
        self._running[name] = _Running(task, prepared)

    def _staged(self, name: str, task: Task, command: PreparedCommand) -> dict[str, Any]:
        """Stage the inputs; the Job that runs the command."""
        try:
            command.stage()
            self._hand_over(command)
            return job_manifest(
                command, name=name, launch=self._tag, key=task.key,
                node_name=_SCATTER_INDEX.sub("", task.key), settings=self._k8s,
            )
        except OSError as exc:
            where = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            raise StagingFailed(f"staging the inputs: {where}") from exc
        except WorkflowException as exc:
            raise StagingFailed(f"staging the inputs: {one_line(exc)}") from exc

    def _hand_over(self, command: PreparedCommand) -> None:
        """An engine running as root gives the job's folders to the pod's non-root user (an
        engine running as that user, as the server's Deployment does, owns them already)."""
        if os.geteuid() != 0:
            return
        uid, gid = self._k8s.run_as_user, self._k8s.run_as_group
        for top in (command.cwd, *command.scratch):
            for folder, dirs, files in os.walk(top):
                os.chown(folder, uid, gid)
                for name in dirs + files:
                    os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)

    # -- wait ---------------------------------------------------------------------------------

    def wait(self, timeout: float | None) -> list[Completion]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            done = self._ready + self._finished()
            self._ready = []
            left = None if deadline is None else deadline - time.monotonic()
            if done or not self._running or (left is not None and left <= 0):
                return done
            self._absorb(1.0 if left is None else min(left, 1.0))

    def _absorb(self, timeout: float) -> None:
        """Take the watches' events into the caches: the first within `timeout`, then all
        that are there."""
        try:
            event = self._events.get(timeout=timeout) if timeout > 0 else self._events.get_nowait()
        except queue.Empty:
            return
        while True:
            self._apply(event)
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return

    def _apply(self, event: Relisted | Changed | Created) -> None:
        if isinstance(event, Created):
            if event.name not in self._running and event.job is not None:
                self._delete(event.name)  # cancelled while it was being created
            elif event.job is None:
                self._failed(event.name, event.failure)
            elif event.name not in self._jobs:  # not seen by the watch yet
                self._jobs[event.name] = event.job
                self._unconfirmed.add(event.name)
            return
        if isinstance(event, Relisted):
            if event.kind == "Job":
                listed = {item["metadata"]["name"]: item for item in event.items}
                # a Job just created may be missing from a list begun before it was created;
                # any other that is missing was deleted while the watch was away
                for name in list(self._running):
                    if name not in listed and name in self._unconfirmed:
                        listed[name] = self._jobs[name]
                    elif name not in listed:
                        self._deleted(name)
                self._jobs = listed
            else:
                self._pods = {}
                for item in event.items:
                    self._keep_pod(item)
            return
        name = event.object["metadata"]["name"]
        if event.kind == "Job":
            self._unconfirmed.discard(name)
            if event.type == "DELETED":
                self._jobs.pop(name, None)
                self._deleted(name)
            else:
                self._jobs[name] = event.object
        elif event.type != "DELETED":
            self._keep_pod(event.object)

    def _keep_pod(self, pod: dict[str, Any]) -> None:
        owner = (pod["metadata"].get("labels") or {}).get("job-name")
        if owner:
            self._pods[owner] = pod

    def _deleted(self, name: str) -> None:
        self._failed(name, "the Job was deleted")

    def _failed(self, name: str, why: str) -> None:
        running = self._running.pop(name, None)
        if running is not None:
            self._ready.append(self._end(name, running, None, why))

    def _finished(self) -> list[Completion]:
        done = []
        now = time.monotonic()
        for name, running in list(self._running.items()):
            job, pod = self._jobs.get(name), self._pods.get(name)
            if job is None:
                continue
            if lacks_exit_code(job, pod):
                # the pod's last change may not have come through its watch yet: ask for it
                pod = self._read_pod(name) or pod
            outcome = job_outcome(job, pod, running.command.timelimit)
            if outcome is not None:
                del self._running[name]
                done.append(self._end(name, running, outcome.exit_code, outcome.failure))
                continue
            problem = pod_problem(pod) if pod else None
            waiting = unschedulable(pod) if pod else None
            if waiting is None:
                running.unschedulable_since = None
            elif running.unschedulable_since is None:
                running.unschedulable_since = now
            elif now - running.unschedulable_since > self._k8s.unschedulable_timeout:
                problem = (f"unschedulable for more than {self._k8s.unschedulable_timeout:g} s: "
                           f"{waiting}")
            if problem:
                del self._running[name]
                self._delete(name)
                done.append(self._end(name, running, None, problem))
        return done

    def _read_pod(self, name: str) -> dict[str, Any] | None:
        try:
            response = self._core.list_namespaced_pod(
                self._k8s.namespace, label_selector=f"job-name={name}", _preload_content=False,
                _request_timeout=60,
            )
        except (ApiException, HTTPError) as exc:
            log.warning("reading the pod of Job %s: %s", name, api_message(exc))
            return None
        pods = json.loads(response.data).get("items") or []
        for pod in pods:
            self._keep_pod(pod)
        return self._pods.get(name)

    def _end(self, name: str, running: _Running, exit_code: int | None, failure: str):
        if self._log_dir is not None and name in self._pods:
            pod = self._pods[name]["metadata"]["name"]
            keep_log(self._log_dir, running.task.key, running.task.attempt,
                     pod_log(self._core, self._k8s.namespace, pod))
        return Completion(running.task.key, running.command.finish(exit_code, failure))

    # -- cancel, close ------------------------------------------------------------------------

    def cancel(self, keys: list[str]) -> None:
        wanted = set(keys)
        for name, running in list(self._running.items()):
            if running.task.key in wanted:
                del self._running[name]
                self._delete(name)

    def cancel_all(self) -> None:
        """Delete every Job of the launch, also those this engine did not start or follow."""
        self._running.clear()
        self._creator.close()  # no create may land after the deletion
        try:
            self._batch.delete_collection_namespaced_job(
                self._k8s.namespace, label_selector=launch_selector(self._tag),
                propagation_policy="Background", _request_timeout=60,
            )
        except (ApiException, HTTPError) as exc:
            log.warning("deleting the launch's Jobs: %s", api_message(exc))

    def _delete(self, name: str) -> None:
        try:
            self._batch.delete_namespaced_job(
                name, self._k8s.namespace, propagation_policy="Background", _request_timeout=60
            )
        except ApiException as exc:
            if exc.status != 404:
                log.warning("deleting Job %s: %s %s", name, exc.status, api_message(exc))
        except HTTPError as exc:
            log.warning("deleting Job %s: %s", name, exc)

    def close(self) -> None:
        """Stop following; Jobs that run go on (the next engine on the launch follows them),
        but one created for a step cancelled meanwhile is deleted."""
        self._creator.close()
        self._absorb(0)
        for watch in self._watches:
            watch.stop()
        self._api.close()

