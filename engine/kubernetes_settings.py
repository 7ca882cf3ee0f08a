"""The Kubernetes executor's settings: plain data, so they cross into launch runner processes,
and cheap to import (the CLI builds them without loading the executor)."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class KubernetesSettings:
    """How step jobs become Jobs: plain data, so it crosses into launch runner processes."""

    work_area: str  # the work area's path, in the engine and in every pod
    namespace: str = "default"
    kubeconfig: str | None = None  # None: the pod's in-cluster configuration
    work_area_pvc: str | None = None  # None: the work area is a host folder (one-node clusters)
    default_image: str = "debian:stable-slim"
    unschedulable_timeout: float = 300.0
    ttl_seconds_after_finished: int = 3600
    run_as_user: int = 1000
    run_as_group: int = 1000


def launch_kubernetes_settings(server: KubernetesSettings | None, options: Any,
                               ) -> KubernetesSettings | None:
    """The server's settings with a launch's own namespace and default image (the Pipeline's
    ExecutorOptions; empty fields keep the server's)."""
    if server is None:
        return None
    return dataclasses.replace(server, namespace=options.namespace or server.namespace,
                               default_image=options.default_image or server.default_image)
