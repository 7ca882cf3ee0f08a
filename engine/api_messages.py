"""Records of the store as messages of the API: launches, steps, and output objects whose
file locations are made relative to the launch's output folder (what DownloadOutput takes)."""

from __future__ import annotations

import datetime
import json
import os
from typing import Any

from cwltool.utils import visit_class
from google.protobuf.timestamp_pb2 import Timestamp
from schema_salad.ref_resolver import uri_file_path

from wonderland.db.records import JobRecord, LaunchRecord
from wonderland.protos import wonderland_pb2 as pb


def _time(value: datetime.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value.replace(tzinfo=datetime.UTC))
    return stamp


def step_message(job: JobRecord) -> pb.Step:
    return pb.Step(
        name=job.job_key,
        status=int(job.status),
        message=job.message,
        kubernetes_job_name=job.job_name or "",
        exit_code=job.exit_code,
        executor=job.executor,
        attempt=job.attempt,
        created_at=_time(job.created_at),
        started_at=_time(job.started_at),
        finished_at=_time(job.finished_at),
    )


def launch_message(
    launch: LaunchRecord, labels: dict[str, str], steps: list[JobRecord] | None = None,
    outputs_dir: str | None = None,
) -> pb.Launch:
    message = pb.Launch(
        id=launch.id,
        status=int(launch.status),
        name=launch.name,
        created_by=launch.created_by,
        labels=labels,
        message=launch.message,
        created_at=_time(launch.created_at),
        updated_at=_time(launch.updated_at),
        finished_at=_time(launch.finished_at),
        steps=[step_message(job) for job in steps or ()],
    )
    if launch.outputs is not None and outputs_dir is not None:
        message.outputs = json.dumps(relative_outputs(launch.outputs, outputs_dir))
    return message


def relative_outputs(outputs: Any, outputs_dir: str) -> Any:
    """The output object with each File and Directory located relative to `outputs_dir`,
    server paths dropped, and each Directory's listing filled in (so a client can fetch it)."""
    outputs = json.loads(json.dumps(outputs))

    def relocate(obj: dict[str, Any]) -> None:
        location = obj.get("location", "")
        if not location.startswith("file://"):
            return
        path = uri_file_path(location)
        obj["location"] = os.path.relpath(path, outputs_dir)
        obj.pop("path", None)
        if obj["class"] == "Directory":
            obj["listing"] = _listing(path, outputs_dir)

    visit_class(outputs, ("File", "Directory"), relocate)
    return outputs


def _listing(folder: str, outputs_dir: str) -> list[dict[str, Any]]:
    entries = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        relative = os.path.relpath(entry.path, outputs_dir)
        if entry.is_dir(follow_symlinks=False):
            entries.append({"class": "Directory", "basename": entry.name, "location": relative,
                            "listing": _listing(entry.path, outputs_dir)})
        else:
            entries.append({"class": "File", "basename": entry.name, "location": relative,
                            "size": entry.stat().st_size})
    return entries
