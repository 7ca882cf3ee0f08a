"""Choosing the launch a `wonderland run` records into: a new one, or the interrupted or
failed launch of the same document and inputs, taken over from its dead owner; and which of
its finished step jobs can be kept (those whose output files are still there)."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from cwltool.utils import visit_class
from schema_salad.ref_resolver import uri_file_path

from wonderland.db import JobStatus, LaunchStatus, Store
from wonderland.db.store import JobRecord
from wonderland.engine.ownership import owner_alive


@dataclasses.dataclass
class Resumed:
    launch_id: int
    work_dir: str
    kept: dict[str, JobRecord]
    known_keys: set[str]
    lost: int


def take_over(store: Store, document_sha: str, job_order_sha: str, owner: str) -> Resumed | None:
    """The newest resumable launch of this document and inputs, now owned by `owner`."""
    for launch in store.resumable_launches(document_sha, job_order_sha):
        if launch.status == LaunchStatus.RUNNING and owner_alive(launch.owner):
            continue
        if store.set_launch_status(
            launch.id, LaunchStatus.RUNNING, owner=owner, expected_owner=launch.owner, message=""
        ):
            return kept_jobs(store, launch.id, launch.work_dir)
    return None


def kept_jobs(store: Store, launch_id: int, work_dir: str) -> Resumed:
    """A launch just taken over: its succeeded jobs whose outputs are still there are kept;
    the others are voided, to run again."""
    stored = store.jobs(launch_id)
    finished = [j for j in stored if j.status == JobStatus.SUCCEEDED]
    kept = {j.job_key: j for j in finished if outputs_present(j.outputs)}
    store.void_jobs(
        launch_id, [j.job_key for j in finished if j.job_key not in kept],
        "outputs gone before the launch was resumed",
    )
    return Resumed(launch_id, work_dir, kept, {j.job_key for j in stored},
                   len(finished) - len(kept))


def outputs_present(outputs: Any) -> bool:
    """Whether every local file and directory a step produced still exists (a work area
    cleaned by hand must not make a resumed launch fail: those steps run again)."""
    missing: list[str] = []

    def check(obj: dict[str, Any]) -> None:
        location = obj.get("location", "")
        if location.startswith("file://") and not os.path.exists(uri_file_path(location)):
            missing.append(location)

    visit_class(outputs, ("File", "Directory"), check)
    return not missing
