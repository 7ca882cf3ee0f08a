"""A connection to the Kubernetes API server: from a kubeconfig file, or, without one, the
in-cluster configuration of the pod the engine runs in (its ServiceAccount's token)."""

from __future__ import annotations

import json

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException


class KubernetesConfigError(Exception):
    """No usable configuration: one line that says which file or why."""


def connect(kubeconfig: str | None) -> client.ApiClient:
    try:
        if kubeconfig:
            return config.new_client_from_config(config_file=kubeconfig)
        configuration = client.Configuration()
        config.load_incluster_config(client_configuration=configuration)
        return client.ApiClient(configuration)
    except ConfigException as exc:
        where = kubeconfig or "in-cluster configuration (no --kubeconfig given)"
        raise KubernetesConfigError(f"{where}: {' '.join(str(exc).split())}") from exc
    except OSError as exc:
        raise KubernetesConfigError(f"{kubeconfig}: {exc.strerror}") from exc


def api_message(exc: Exception) -> str:
    """One line for a failed call: the API server's Status message when it sent one."""
    body = getattr(exc, "body", None)
    if body:
        try:
            message = json.loads(body).get("message")
        except (ValueError, AttributeError):
            message = None
        if message:
            return " ".join(message.split())
    return getattr(exc, "reason", None) or " ".join(str(exc).split())
