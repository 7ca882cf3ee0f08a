"""Creating Jobs a few at a time: the API server answers a create in tens of milliseconds
(admission, an etcd write), so the engine hands each create to a small, fixed pool of threads
and goes on preparing the next step job; each answer comes back to the executor through its
event queue as a `Created`. A Job that exists already (`409 AlreadyExists`: an engine that
restarted, or crashed between creating and recording) is read and followed, never made twice.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from wonderland.engine.executors.kubernetes_client import api_message

log = logging.getLogger("wonderland")
CREATORS = 6


@dataclasses.dataclass(frozen=True)
class Created:
    """The Job as the API server has it after the create (None, and why, if it failed)."""

    name: str
    job: dict[str, Any] | None
    failure: str = ""


class JobCreator:
    def __init__(
        self, batch: client.BatchV1Api, namespace: str, sink: Callable[[Created], None]
    ) -> None:
        self._batch = batch
        self._namespace = namespace
        self._sink = sink
        self._pool = ThreadPoolExecutor(CREATORS, thread_name_prefix="create-job")

    def create(self, name: str, manifest: dict[str, Any]) -> None:
        self._pool.submit(self._create, name, manifest)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _create(self, name: str, manifest: dict[str, Any]) -> None:
        try:
            response = self._batch.create_namespaced_job(
                self._namespace, manifest, _preload_content=False, _request_timeout=60
            )
            self._sink(Created(name, json.loads(response.data)))
        except ApiException as exc:
            if exc.status == 409:
                log.debug("Job %s exists already: following it", name)
                self._read(name)
            else:
                self._sink(Created(name, None, f"creating Job {name}: {exc.status} "
                                               f"{api_message(exc)}"))
        except HTTPError as exc:
            self._sink(Created(name, None, f"creating Job {name}: {exc}"))

    def _read(self, name: str) -> None:
        try:
            response = self._batch.read_namespaced_job(
                name, self._namespace, _preload_content=False, _request_timeout=60
            )
            self._sink(Created(name, json.loads(response.data)))
        except (ApiException, HTTPError) as exc:
            self._sink(Created(name, None, f"reading Job {name}: {api_message(exc)}"))
