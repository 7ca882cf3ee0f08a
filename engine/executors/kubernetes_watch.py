"""A continuous list+watch of one kind of object in a namespace, by label selector.

One thread lists the objects, then watches from the list's resourceVersion, and when a watch
ends (the server closes it every few minutes) watches again from the last resourceVersion it
saw; bookmarks keep that version fresh. When the server answers `410 Gone` (the version is
older than what it still remembers: etcd compacted it, or the watch cache moved on) it lists
again and hands over the whole new list, so that nothing that happened in between is lost.
The kubernetes client's own `watch.Watch` retries a 410 only once, the bug that stops
Calrissian's runs; this loop relists for as long as it runs. Events go to `sink` as plain
dicts, in the order the server sent them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import urllib3
from kubernetes.client.exceptions import ApiException
from kubernetes.watch.watch import iter_resp_lines

from wonderland.engine.executors.kubernetes_client import api_message

log = logging.getLogger("wonderland")
WATCH_SECONDS = 240
LIST_PAGE = 500
RETRY_SECONDS = (0.5, 1, 2, 5, 10)


@dataclasses.dataclass(frozen=True)
class Relisted:
    """Every object of the kind, as listed now (replaces what the receiver knew)."""

    kind: str
    items: list[dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class Changed:
    """One watch event: ADDED, MODIFIED or DELETED."""

    kind: str
    type: str
    object: dict[str, Any]


class _Gone(Exception):
    """The resourceVersion we watch from is too old: list again."""


class ResourceWatch:
    def __init__(
        self, kind: str, list_call: Callable[..., Any], namespace: str, selector: str,
        sink: Callable[[Relisted | Changed], None], *, resource_version: str | None = None,
    ) -> None:
        """`list_call` is a client's list method (e.g. `BatchV1Api.list_namespaced_job`).
        `resource_version`, when given, is where the first watch starts (no first list)."""
        self.kind = kind
        self._list_call = list_call
        self._namespace = namespace
        self._selector = selector
        self._sink = sink
        self.resource_version = resource_version
        self.relists = 0
        self.last_error = ""
        self.listed = threading.Event()
        # set once listed, or refused outright (401, 403, 404: retrying will not help soon)
        self.answered = threading.Event()
        self._stopping = threading.Event()
        self._response: Any = None
        self._thread = threading.Thread(target=self._run, name=f"watch-{kind}", daemon=True)

    def start(self) -> ResourceWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        response = self._response
        if response is not None:
            try:
                response.shutdown()
            except Exception:  # noqa: BLE001 - the connection may be closing already
                pass
        self._thread.join(timeout=5)

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                if self.resource_version is None:
                    self._list()
                self.listed.set()
                self.answered.set()
                self._watch()
                failures = 0
            except _Gone:
                log.debug("watch of %s: resourceVersion %s is gone; listing again",
                          self.kind, self.resource_version)
                self.resource_version = None
            except (ApiException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
                if self._stopping.is_set():
                    break
                if isinstance(exc, ApiException) and exc.status == 410:
                    self.resource_version = None
                    continue
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                self.last_error = _reason(exc)
                if isinstance(exc, ApiException) and exc.status in (401, 403, 404):
                    self.answered.set()
                # before the first list, whoever waits for it reports the failure
                log.log(logging.WARNING if self.listed.is_set() else logging.DEBUG,
                        "watch of %s: %s; again in %ss", self.kind, self.last_error, delay)
                self._stopping.wait(delay)

    def _list(self) -> None:
        items: list[dict[str, Any]] = []
        token = None
        while True:
            response = self._list_call(
                self._namespace, label_selector=self._selector, limit=LIST_PAGE,
                _continue=token, _preload_content=False, _request_timeout=60,
            )
            page = json.loads(response.data)
            items.extend(page.get("items") or [])
            token = page["metadata"].get("continue")
            if not token:
                break
        self.relists += 1
        self.resource_version = page["metadata"]["resourceVersion"]
        self._sink(Relisted(self.kind, items))

    def _watch(self) -> None:
        response = self._list_call(
            self._namespace, label_selector=self._selector, watch=True,
            resource_version=self.resource_version, allow_watch_bookmarks=True,
            timeout_seconds=WATCH_SECONDS, _preload_content=False,
            _request_timeout=(30, WATCH_SECONDS + 30),
        )
        self._response = response
        try:
            for line in iter_resp_lines(response):
                if self._stopping.is_set():
                    return
                event = json.loads(line)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    if obj.get("code") == 410:
                        raise _Gone()
                    raise ValueError(f"watch error: {obj.get('message', obj)}")
                self.resource_version = obj["metadata"]["resourceVersion"]
                if kind != "BOOKMARK":
                    self._sink(Changed(self.kind, kind, obj))
        finally:
            self._response = None
            response.release_conn()


def _reason(exc: Exception) -> str:
    if isinstance(exc, ApiException):
        return f"{exc.status} {api_message(exc)}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
