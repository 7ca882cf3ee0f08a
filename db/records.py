"""What the store hands out and takes in: plain frozen records of launches and step jobs, and
their conversion from table rows (JSON columns decoded, integers made states)."""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any

from wonderland.db.states import JobStatus, LaunchStatus


@dataclasses.dataclass(frozen=True)
class LaunchRecord:
    id: int
    status: LaunchStatus
    created_by: str
    name: str
    workflow_uri: str
    document: str
    job_order: str
    work_dir: str
    outputs: Any
    message: str
    owner: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    finished_at: datetime.datetime | None
    protobuf: bytes | None = None


@dataclasses.dataclass(frozen=True)
class JobRecord:
    launch_id: int
    job_key: str
    node_name: str
    status: JobStatus
    executor: str
    attempt: int
    outputs: Any
    exit_code: int | None
    message: str
    job_name: str | None
    created_at: datetime.datetime | None = None
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True)
class JobStart:
    job_key: str
    node_name: str
    executor: str
    inputs: Any
    job_name: str | None = None


@dataclasses.dataclass(frozen=True)
class JobEnd:
    job_key: str
    status: JobStatus
    outputs: Any = None
    exit_code: int | None = None
    message: str = ""


def launch_record(row: Any) -> LaunchRecord:
    return LaunchRecord(
        id=row.id,
        status=LaunchStatus(row.status),
        created_by=row.created_by,
        name=row.name,
        workflow_uri=row.workflow_uri,
        document=row.document,
        job_order=row.job_order,
        work_dir=row.work_dir,
        outputs=None if row.outputs is None else json.loads(row.outputs),
        message=row.message,
        owner=row.owner,
        created_at=row.created_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
        protobuf=None if row.protobuf is None else bytes(row.protobuf),
    )


def job_record(row: Any) -> JobRecord:
    return JobRecord(
        launch_id=row.pipeline_launch_id,
        job_key=row.job_key,
        node_name=row.pipeline_node_name,
        status=JobStatus(row.status),
        executor=row.executor,
        attempt=row.attempt,
        outputs=None if row.outputs is None else json.loads(row.outputs),
        exit_code=row.exit_code,
        message=row.message,
        job_name=row.job_name,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )
