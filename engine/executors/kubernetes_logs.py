"""A step's stdout and stderr from its pod: read from the API server (the pod's container log)
and kept in the work area's log file of the step job once it has ended, where the local
executor writes its logs too."""

from __future__ import annotations

import os

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from wonderland.engine.executors.base import job_file_name
from wonderland.engine.executors.kubernetes_manifest import CONTAINER_NAME


def pod_log(core: client.CoreV1Api, namespace: str, pod: str) -> bytes:
    """The container's log as the API server has it now (a note when it cannot be read)."""
    try:
        response = core.read_namespaced_pod_log(
            pod, namespace, container=CONTAINER_NAME, _preload_content=False,
            _request_timeout=30,
        )
        return response.data
    except ApiException as exc:
        return f"(the pod's log could not be read: {exc.status} {exc.reason})\n".encode()


def keep_log(log_dir: str, key: str, attempt: int, text: bytes) -> None:
    """Append one attempt's log to `<log_dir>/<job>.log`, as the local executor does."""
    with open(os.path.join(log_dir, job_file_name(key) + ".log"), "ab") as log:
        if attempt > 1:
            log.write(f"--- attempt {attempt} ---\n".encode())
        log.write(text)
