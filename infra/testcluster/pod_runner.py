"""One pod bound to the test node, run as host processes by one thread (`PodWorker`).

Lifecycle, as a kubelet reports it: Pending (containers waiting: ContainerCreating, or
CreateContainerConfigError when the spec cannot be run, InvalidImageName for an image that is
not a valid reference) -> init containers one by one -> the
containers, each in its own process group (Running, startedAt) -> Succeeded when every container
exits 0, else Failed, with each container's terminated exitCode and reason (Completed / Error;
128+N after signal N). restartPolicy OnFailure / Always restarts a container in place
(restartCount). A container over its memory limit is killed and reported OOMKilled
(`memory_limit`). Pod `activeDeadlineSeconds` kills the pod and fails it with DeadlineExceeded.
Deleting the pod (the Job controller does, past a Job's deadline or on cancel) sends SIGTERM to
the process groups, SIGKILL after the grace period, and then removes the pod with grace 0.
With `NodeContext.security_context`, containers run as their securityContext's runAsUser and
groups; otherwise as the agent's user. Resource requests and CPU limits are not enforced.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pod_volumes
from kube import Kube
from kubernetes.client.exceptions import ApiException
from memory_limit import group_rss, limit_of
from pod_spec import (
    ContainerConfigError,
    check_image,
    container_argv,
    container_env,
    container_identity,
    container_mounts,
    launch_command,
)

log = logging.getLogger("node-agent")
MESSAGE_TAIL_BYTES = 4096
MAX_GRACE_SECONDS = 30
CONFIG_RETRY_SECONDS = 2
MEMORY_CHECK_SECONDS = 0.5


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class NodeContext:
    """What every pod worker needs from the agent."""

    kube: Kube
    state_dir: Path
    service_host: str
    service_port: str
    can_mount: bool
    security_context: bool  # run as runAsUser/runAsGroup, refuse runAsNonRoot as root


@dataclass
class Container:
    """One container of the pod and its current (or last) process."""

    spec: dict
    log_path: Path
    pod_uid: str
    proc: subprocess.Popen | None = None
    waiting: tuple[str, str] = ("ContainerCreating", "")
    started_at: str = ""
    terminated: dict | None = None
    last_state: dict = field(default_factory=dict)
    restart_count: int = 0
    memory_limit: int | None = None
    next_memory_check: float = 0.0

    @property
    def name(self) -> str:
        return self.spec["name"]

    @property
    def running(self) -> bool:
        return self.proc is not None and self.terminated is None

    def status(self) -> dict:
        if self.terminated is not None:
            state = {"waiting": None, "running": None, "terminated": self.terminated}
        elif self.proc is not None:
            state = {"waiting": None, "running": {"startedAt": self.started_at},
                     "terminated": None}
        else:
            reason, message = self.waiting
            state = {"waiting": {"reason": reason, **({"message": message} if message else {})},
                     "running": None, "terminated": None}
        return {
            "name": self.name, "image": self.spec.get("image", ""), "imageID": "",
            "containerID": f"testcluster://{self.pod_uid}/{self.name}" if self.proc else None,
            "ready": self.running, "started": self.running, "restartCount": self.restart_count,
            "state": state, "lastState": self.last_state,
        }

    def start(self, argv: list[str], cwd: str, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            try:
                self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                             stdout=out, stderr=subprocess.STDOUT,
                                             start_new_session=True)
            except OSError as exc:
                self.proc = None
                self.terminated = {"exitCode": 128, "reason": "StartError",
                                   "message": str(exc), "startedAt": now(), "finishedAt": now()}
                return
        self.started_at, self.terminated = now(), None

    def poll(self) -> bool:
        """Whether the process has ended (its status is then recorded)."""
        if self.proc is None or self.terminated is not None:
            return True
        code = self.proc.poll()
        reason = "Completed" if code == 0 else "Error"
        if code is None:
            if not self._over_memory_limit():
                return False
            self.kill_group(signal.SIGKILL)
            code, reason = self.proc.wait(), "OOMKilled"
        self.kill_group(signal.SIGKILL)  # what the container leaves behind goes with it
        exit_code = code if code >= 0 else 128 - code
        self.terminated = {"exitCode": exit_code, "reason": reason,
                           "startedAt": self.started_at, "finishedAt": now()}
        if code != 0 and self.spec.get("terminationMessagePolicy") == "FallbackToLogsOnError":
            self.terminated["message"] = self.log_tail()
        return True

    def _over_memory_limit(self) -> bool:
        """Checked at most every MEMORY_CHECK_SECONDS (a /proc scan)."""
        if self.memory_limit is None or time.monotonic() < self.next_memory_check:
            return False
        self.next_memory_check = time.monotonic() + MEMORY_CHECK_SECONDS
        return group_rss(self.proc.pid) > self.memory_limit

    def log_tail(self) -> str:
        with open(self.log_path, "rb") as f:
            f.seek(max(0, self.log_path.stat().st_size - MESSAGE_TAIL_BYTES))
            return f.read().decode(errors="replace")

    def kill_group(self, sig: signal.Signals) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def restart_state(self) -> None:
        self.last_state = {"terminated": self.terminated}
        self.restart_count += 1
        self.proc, self.terminated = None, None


class PodWorker(threading.Thread):
    """Runs one pod to its end, reporting status; killed by `delete`."""

    def __init__(self, ctx: NodeContext, pod: dict) -> None:
        meta = pod["metadata"]
        super().__init__(name=f"pod-{meta['namespace']}/{meta['name']}", daemon=True)
        self.ctx, self.pod, self.uid = ctx, pod, meta["uid"]
        self.key = f"{meta['namespace']}/{meta['name']}"
        self.dir = ctx.state_dir / "pods" / self.uid

        def containers(kind: str) -> list[Container]:
            return [Container(c, self.dir / "logs" / f"{c['name']}.log", self.uid,
                              memory_limit=limit_of(c))
                    for c in pod["spec"].get(kind) or []]

        self.init_containers = containers("initContainers")
        self.containers = containers("containers")
        self.start_time = now()
        self.phase, self.reason, self.message = "Pending", "", ""
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._kill_deadline: float | None = None
        self._delete_requested = False
        self._finished = False
        self._deleted = False

    # -- requests from the agent's watch thread ------------------------------------------------

    def delete(self, grace_seconds: int) -> None:
        """The pod is being deleted: stop its processes, then remove it with grace 0."""
        with self._lock:
            self._delete_requested = True
            grace = min(max(grace_seconds, 0), MAX_GRACE_SECONDS)
            deadline = time.monotonic() + grace
            if self._kill_deadline is None or deadline < self._kill_deadline:
                self._kill_deadline = deadline
            finished = self._finished
        self._wake.set()
        if finished:
            self._remove()

    def container(self, name: str) -> Container | None:
        return next((c for c in self.init_containers + self.containers if c.name == name), None)

    # -- the pod's thread ------------------------------------------------------------------

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - a bug here must fail the pod, not the agent
            log.exception("pod %s: node agent error", self.key)
            self._finish("Failed", "NodeAgentError", f"test node agent: {exc}")
        with self._lock:
            self._finished = True
            remove = self._delete_requested
        if remove:
            self._remove()

    def _run(self) -> None:
        self._report()
        plans = self._prepare()
        if plans is None:
            self._finish("Failed", "", "")
            return
        for c in self.init_containers:
            if not self._run_containers([c], plans):
                return
        self._run_containers(self.containers, plans)

    def _prepare(self) -> dict | None:
        """Volumes and each container's (argv, cwd, env), retried every CONFIG_RETRY_SECONDS
        while the spec cannot be run yet (a ConfigMap not made yet...), as a kubelet does;
        None when the pod is deleted meanwhile."""
        reported = ""
        while not self._kill_due():
            try:
                volumes = pod_volumes.prepare(self.ctx.kube, self.pod, self.dir)
                return {c.name: self._plan(c, volumes)
                        for c in self.init_containers + self.containers}
            except ContainerConfigError as exc:
                if str(exc) != reported:
                    reported = str(exc)
                    log.info("pod %s: %s", self.key, exc)
                    for c in self.init_containers + self.containers:
                        c.waiting = (exc.reason, reported)
                    self._report()
            self._wake.wait(CONFIG_RETRY_SECONDS)
        return None

    def _plan(self, c: Container, volumes: dict[str, str]) -> tuple[list[str], str, dict]:
        meta = self.pod["metadata"]
        env = container_env(self.pod, c.spec, self._read_data, {
            "HOSTNAME": meta["name"],
            "KUBERNETES_SERVICE_HOST": self.ctx.service_host,
            "KUBERNETES_SERVICE_PORT": self.ctx.service_port,
        })
        check_image(c.spec)
        identity = container_identity(self.pod, c.spec) if self.ctx.security_context else []
        argv, cwd = launch_command(container_argv(c.spec, env),
                                   container_mounts(c.spec, volumes),
                                   c.spec.get("workingDir") or "/", self.ctx.can_mount, identity)
        return argv, cwd, env

    def _read_data(self, kind: str, namespace: str, name: str, optional: bool) -> dict | None:
        return pod_volumes.read_data(self.ctx.kube, kind, namespace, name, optional)

    def _run_containers(self, group: list[Container], plans: dict) -> bool:
        """Run `group` to its end; whether the pod goes on (init containers all succeeded)."""
        policy = self.pod["spec"].get("restartPolicy", "Always")
        for c in group:
            self._start(c, plans)
        self.phase = "Running" if group is self.containers else "Pending"
        self._report()
        while True:
            if self._kill_due() or self._deadline_passed():
                self._stop_group(group)
                return False
            changed = False
            for c in group:
                if c.running and c.poll():
                    changed = True
                    code = c.terminated["exitCode"]
                    log.info("pod %s: container %s exited %d", self.key, c.name, code)
                    if policy == "Always" or (policy == "OnFailure" and code != 0):
                        c.restart_state()
                        self._start(c, plans)
            if changed:
                self._report()
            if all(not c.running for c in group):
                break
            self._wake.wait(0.2)
        failed = any(c.terminated["exitCode"] != 0 for c in group)
        if failed or group is self.containers:
            self._finish("Failed" if failed else "Succeeded", "", "")
        return not failed

    def _start(self, c: Container, plans: dict) -> None:
        argv, cwd, env = plans[c.name]
        c.start(argv, cwd, env)
        log.info("pod %s: container %s started: %s", self.key, c.name,
                 c.proc.pid if c.proc else c.terminated)

    def _kill_due(self) -> bool:
        with self._lock:
            return self._kill_deadline is not None

    def _deadline_passed(self) -> bool:
        seconds = self.pod["spec"].get("activeDeadlineSeconds")
        started = datetime.strptime(self.start_time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if seconds is None or (datetime.now(UTC) - started).total_seconds() < seconds:
            return False
        grace = self.pod["spec"].get("terminationGracePeriodSeconds", MAX_GRACE_SECONDS)
        with self._lock:
            self._kill_deadline = time.monotonic() + min(grace, MAX_GRACE_SECONDS)
        self.reason, self.message = (
            "DeadlineExceeded", f"Pod was active on the node longer than {seconds}s")
        return True

    def _stop_group(self, group: list[Container]) -> None:
        """SIGTERM the process groups, SIGKILL what is left at the kill deadline. The pod
        Succeeded if its containers all exited 0 (a graceful stop), else Failed."""
        for c in group:
            if c.running:
                c.kill_group(signal.SIGTERM)
        while any(c.running and not c.poll() for c in group):
            with self._lock:
                late = time.monotonic() >= (self._kill_deadline or 0)
            if late:
                for c in group:
                    c.kill_group(signal.SIGKILL)
            time.sleep(0.1)
        clean = group is self.containers and not self.reason and all(
            c.terminated and c.terminated["exitCode"] == 0 for c in group)
        self._finish("Succeeded" if clean else "Failed", self.reason, self.message)

    def _finish(self, phase: str, reason: str, message: str) -> None:
        self.phase, self.reason, self.message = phase, reason, message
        log.info("pod %s: %s %s", self.key, phase, reason)
        self._report()

    def _report(self) -> None:
        """Patch the pod's status to what the worker knows now."""
        terminal = self.phase in ("Succeeded", "Failed")
        running = self.phase == "Running" and all(c.running for c in self.containers)
        initialized = all(c.terminated and c.terminated["exitCode"] == 0
                          for c in self.init_containers)

        def condition(kind: str, ok: bool, reason: str = "") -> dict:
            return {"type": kind, "status": "True" if ok else "False",
                    "lastTransitionTime": now(), **({"reason": reason} if reason else {})}

        status = {
            "phase": self.phase, "hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}],
            "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}], "startTime": self.start_time,
            "reason": self.reason or None, "message": self.message or None,
            "conditions": [
                condition("PodReadyToStartContainers", not terminal),
                condition("Initialized", initialized or terminal),
                condition("ContainersReady", running, "PodCompleted" if terminal else ""),
                condition("Ready", running, "PodCompleted" if terminal else ""),
            ],
            "containerStatuses": [c.status() for c in self.containers],
        }
        if self.init_containers:
            status["initContainerStatuses"] = [c.status() for c in self.init_containers]
        meta = self.pod["metadata"]
        try:
            self.ctx.kube.patch(
                f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status",
                {"metadata": {"uid": self.uid}, "status": status})
        except ApiException as exc:
            if exc.status not in (404, 409):
                log.warning("pod %s: status not reported: %s %s", self.key, exc.status,
                            exc.reason)

    def _remove(self) -> None:
        """Delete the pod object with grace 0 once its processes are gone (once)."""
        with self._lock:
            if self._deleted:
                return
            self._deleted = True
        remove_pod(self.ctx.kube, self.pod)


def remove_pod(kube: Kube, pod: dict) -> None:
    """Delete `pod` with grace 0, as a kubelet does when its containers are gone."""
    meta = pod["metadata"]
    try:
        kube.delete(f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}",
                    {"gracePeriodSeconds": 0, "preconditions": {"uid": meta["uid"]}})
    except ApiException as exc:
        if exc.status not in (404, 409):
            log.warning("pod %s/%s: not deleted: %s %s", meta["namespace"], meta["name"],
                        exc.status, exc.reason)


def report_lost(kube: Kube, pod: dict) -> None:
    """Fail a pod that was running before this agent started: its processes died with the
    previous agent, so its containers are reported as a kubelet reports containers it cannot
    find (ContainerStatusUnknown, exit code 137)."""
    meta = pod["metadata"]
    lost = {"exitCode": 137, "reason": "ContainerStatusUnknown", "startedAt": None,
            "finishedAt": now(),
            "message": "The container could not be located when the node agent restarted"}
    statuses = [{"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": False,
                 "started": False, "restartCount": 0,
                 "state": {"waiting": None, "running": None, "terminated": lost}}
                for c in pod["spec"]["containers"]]
    try:
        kube.patch(f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status",
                   {"metadata": {"uid": meta["uid"]},
                    "status": {"phase": "Failed", "containerStatuses": statuses}})
    except ApiException as exc:
        if exc.status not in (404, 409):
            log.warning("pod %s/%s: status not reported: %s %s", meta["namespace"],
                        meta["name"], exc.status, exc.reason)
