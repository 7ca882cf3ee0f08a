"""A step's stdout and stderr from its pod: read from the API server (the pod's container log),
followed while the pod runs (the server's GetStepLogs), and kept in the work area's log file of
the step job once it has ended, where the local executor writes its logs too."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from wonderland.engine.executors.base import job_file_name
from wonderland.engine.executors.kubernetes_client import api_message, connect
from wonderland.engine.executors.kubernetes_manifest import CONTAINER_NAME
from wonderland.engine.kubernetes_settings import KubernetesSettings

POD_POLL_SECONDS = 0.5


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


def follow_pod_log(
    settings: KubernetesSettings, job_name: str, ended: Callable[[], bool]
) -> Iterator[bytes]:
    """The log of the Job's pod as it is written, until the container ends; while the pod
    waits to start, until `ended()` says the step has ended (its log is then in the file)."""
    api = connect(settings.kubeconfig)
    core = client.CoreV1Api(api)
    try:
        while not ended():
            pods = core.list_namespaced_pod(
                settings.namespace, label_selector=f"job-name={job_name}", _request_timeout=30
            ).items
            started = [p for p in pods if p.status.phase not in (None, "Pending")]
            if started:
                response = core.read_namespaced_pod_log(
                    started[-1].metadata.name, settings.namespace, container=CONTAINER_NAME,
                    follow=True, _preload_content=False,
                )
                yield from response.stream(64 * 1024)
                return
            time.sleep(POD_POLL_SECONDS)
    except ApiException as exc:
        yield f"(the pod's log could not be read: {exc.status} {api_message(exc)})\n".encode()
    except HTTPError as exc:
        yield f"(the pod's log could not be read: {exc})\n".encode()
    finally:
        api.close()
