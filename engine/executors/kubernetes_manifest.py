"""The batch/v1 Job that runs one prepared command, and the executor's settings it follows.

The pod runs exactly the command cwltool built (through `/bin/sh` only when the tool redirects
stdin, stdout or stderr), in the tool's output folder, with the tool's environment, in the
image of its DockerRequirement or the configured default. The work area is mounted at the same
path as in the engine (a PersistentVolumeClaim, or on a one-node cluster a host folder), so
every path cwltool wrote into the command means the same inside the pod. Retries are the
engine's, so the Job itself never retries (`backoffLimit: 0`).
"""

from __future__ import annotations

import math
import shlex
from typing import Any

from wonderland.cwl.command_job import PreparedCommand
from wonderland.engine.executors.kubernetes_names import (
    KEY_ANNOTATION,
    LAUNCH_LABEL,
    STEP_LABEL,
    label_value,
)
from wonderland.engine.kubernetes_settings import KubernetesSettings

WORK_AREA_VOLUME = "work-area"
CONTAINER_NAME = "step"


def job_manifest(
    command: PreparedCommand, *, name: str, launch: str, key: str, node_name: str,
    settings: KubernetesSettings,
) -> dict[str, Any]:
    labels = {LAUNCH_LABEL: launch, STEP_LABEL: label_value(node_name)}
    metadata = {"name": name, "labels": labels, "annotations": {KEY_ANNOTATION: key}}
    spec: dict[str, Any] = {
        "backoffLimit": 0,
        "ttlSecondsAfterFinished": settings.ttl_seconds_after_finished,
        "template": {
            "metadata": {"labels": dict(labels), "annotations": {KEY_ANNOTATION: key}},
            "spec": _pod_spec(command, settings),
        },
    }
    if command.timelimit > 0:
        spec["activeDeadlineSeconds"] = command.timelimit
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": spec}


def _pod_spec(command: PreparedCommand, settings: KubernetesSettings) -> dict[str, Any]:
    if settings.work_area_pvc:
        volume: dict[str, Any] = {"persistentVolumeClaim": {"claimName": settings.work_area_pvc}}
    else:
        volume = {"hostPath": {"path": settings.work_area, "type": "Directory"}}
    return {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": settings.run_as_user,
            "runAsGroup": settings.run_as_group,
            "fsGroup": settings.run_as_group,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [{
            "name": CONTAINER_NAME,
            "image": command.image or settings.default_image,
            **_command(command),
            "workingDir": command.cwd,
            "env": [{"name": k, "value": _literal(v)} for k, v in sorted(command.env.items())
                    if k != "PATH"],  # the image's own PATH, as cwltool's container jobs do
            "resources": _resources(command),
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
            },
            "volumeMounts": [{"name": WORK_AREA_VOLUME, "mountPath": settings.work_area}],
        }],
        "volumes": [{"name": WORK_AREA_VOLUME, **volume}],
    }


def _command(command: PreparedCommand) -> dict[str, list[str]]:
    """The argv as is, or through a shell that does the redirections and then execs it."""
    redirections = [
        f"{op} {shlex.quote(path)}"
        for op, path in (("<", command.stdin), (">", command.stdout), ("2>", command.stderr))
        if path
    ]
    argv = command.argv
    if redirections:
        argv = ["/bin/sh", "-c", 'exec "$@" ' + " ".join(redirections), "sh", *argv]
    return {"command": [_literal(arg) for arg in argv]}


def _literal(text: str) -> str:
    """`text` safe from Kubernetes' `$(VAR)` expansion in command and env (`$$` is `$`)."""
    return text.replace("$", "$$")


def _resources(command: PreparedCommand) -> dict[str, dict[str, str]]:
    """Requests from ResourceRequirement's minimums (cwltool's defaults otherwise); `ramMax`,
    when given, is the memory limit (a tool over it is OOMKilled)."""
    cpu = f"{math.ceil(command.cores * 1000)}m"
    resources = {"requests": {"cpu": cpu, "memory": _mebibytes(command.ram_mib)}}
    if command.ram_max_mib is not None:
        resources["limits"] = {"memory": _mebibytes(max(command.ram_max_mib, command.ram_mib))}
    return resources


def _mebibytes(value: float) -> str:
    return f"{math.ceil(value)}Mi"
