"""Plain-JSON calls to the API server for the test cluster's own scripts.

The `kubernetes` client reads the kubeconfig (server, CA, client certificate or token); requests
go through urllib3 with the objects as the dicts the API speaks (camelCase, as in manifests), so
the node agent sees pods exactly as served, whatever the client's model classes look like.
Errors are the client's `ApiException`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import urllib3
from kubernetes import config
from kubernetes.client import Configuration
from kubernetes.client.exceptions import ApiException

STRATEGIC = "application/strategic-merge-patch+json"


class Kube:
    """An API server reached with one kubeconfig's credentials."""

    def __init__(self, kubeconfig: str) -> None:
        self.configuration = Configuration()
        config.load_kube_config(config_file=kubeconfig, client_configuration=self.configuration)
        c = self.configuration
        self.host = c.host
        self.headers = {"Accept": "application/json"}
        token = c.get_api_key_with_prefix("authorization")
        if token:
            self.headers["Authorization"] = token
        self.pool = urllib3.PoolManager(maxsize=64, ca_certs=c.ssl_ca_cert, cert_reqs="REQUIRED",
                                        cert_file=c.cert_file, key_file=c.key_file)

    def request(self, method: str, path: str, body: Any = None, query: dict | None = None,
                content_type: str = "application/json", timeout: float | None = 60):
        """The raw (unread) response of one call; raises ApiException unless it is 2xx."""
        url = self.host + path + (f"?{urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        response = self.pool.request(
            method, url, body=data, headers={**self.headers, "Content-Type": content_type},
            timeout=urllib3.Timeout(connect=10, read=timeout), preload_content=False)
        if not 200 <= response.status <= 299:
            error = ApiException(status=response.status, reason=response.reason)
            error.body = response.read().decode(errors="replace")
            response.release_conn()
            raise error
        return response

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> dict:
        response = self.request(method, path, body, **kwargs)
        try:
            return json.loads(response.read() or b"{}")
        finally:
            response.release_conn()

    def get(self, path: str, **query: Any) -> dict:
        return self.call("GET", path, query=query)

    def get_or_none(self, path: str) -> dict | None:
        try:
            return self.get(path)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def create(self, path: str, body: dict) -> dict:
        return self.call("POST", path, body)

    def ensure(self, path: str, body: dict) -> None:
        """Create the object, leaving it as it is if it already exists."""
        try:
            self.create(path, body)
        except ApiException as exc:
            if exc.status != 409:
                raise

    def put(self, path: str, body: dict) -> dict:
        return self.call("PUT", path, body)

    def patch(self, path: str, body: dict, content_type: str = STRATEGIC) -> dict:
        return self.call("PATCH", path, body, content_type=content_type)

    def delete(self, path: str, body: dict | None = None) -> dict:
        return self.call("DELETE", path, body)

    def watch(self, path: str, **query: Any) -> Iterator[dict]:
        """The events ({type, object}) of one watch request, until the server ends it."""
        response = self.request("GET", path, query={**query, "watch": "true"}, timeout=None)
        buffer = b""
        try:
            for chunk in response.stream(amt=None, decode_content=False):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield json.loads(line)
        finally:
            response.release_conn()

