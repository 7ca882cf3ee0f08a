"""The one entry point for reading and changing stored state.

Every status change goes through a conditional UPDATE whose WHERE clause names the states
that may move to the new one (see `states.py`), so a change either follows the transition
table or does not happen; callers learn which through the returned row counts.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError

from wonderland.db import migrate
from wonderland.db.schema import kubernetes_job, pipeline_launch
from wonderland.db.states import (
    JOB_TRANSITIONS,
    JOB_UNDER_WAY,
    LAUNCH_TRANSITIONS,
    IllegalTransition,
    JobStatus,
    LaunchStatus,
)


class StoreError(Exception):
    """The database cannot be opened or used; the message says which and why."""


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _sources_of(table: dict, target) -> list[int]:
    return [int(s) for s, targets in table.items() if target in targets]


def _states_before(table: dict, target) -> str:
    """The states that may move to `target`, as an SQL list (fixed text, so the statements
    below are built once and run with executemany)."""
    return ", ".join(str(s) for s in _sources_of(table, target))


# The statements of the scheduler's hot path, written out once: a launch of thousands of steps
# records each start and end, and building Core statements per call cost more than running them.
_INSERT_JOB = sa.text(
    "INSERT INTO kubernetes_job (pipeline_launch_id, status, created_at, started_at,"
    " pipeline_node_name, job_key, executor, job_name, inputs, attempt, message)"
    " VALUES (:launch, :status, :now, :now, :node, :k, :executor, :job_name, :inputs, 1, '')"
)
_RESTART_JOB = sa.text(
    f"UPDATE kubernetes_job SET status = {int(JobStatus.RUNNING)}, attempt = attempt + 1,"
    " started_at = :now, finished_at = NULL, exit_code = NULL, message = '',"
    " executor = :executor, job_name = :job_name, inputs = :inputs"
    " WHERE pipeline_launch_id = :launch AND job_key = :k"
    f" AND status IN ({_states_before(JOB_TRANSITIONS, JobStatus.RUNNING)})"
)
_END_JOB = {
    status: sa.text(
        "UPDATE kubernetes_job SET status = :new, outputs = :outputs, exit_code = :exit_code,"
        " message = :message, finished_at = :now"
        " WHERE pipeline_launch_id = :launch AND job_key = :k"
        f" AND status IN ({', '.join(str(int(s)) for s in JOB_UNDER_WAY)})"
    )
    for status in JobStatus
    if _sources_of(JOB_TRANSITIONS, status)
}


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
    finished_at: datetime.datetime | None


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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite, its folder is made and WAL and foreign keys are on."""
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"--db: not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
        engine = sa.create_engine(parsed)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return sa.create_engine(parsed, pool_pre_ping=True)
    except Exception as exc:  # missing driver, bad options: say so in one line
        raise StoreError(f"--db {parsed.render_as_string()}: {exc}") from exc


class Store:
    """Launches and step jobs of one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = open_engine(url)
        try:
            migrate.upgrade_if_needed(self.engine)
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"cannot open database {self._safe_url()}: {reason}") from exc

    def _safe_url(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # -- launches --------------------------------------------------------------------------

    def create_launch(
        self,
        *,
        created_by: str,
        name: str,
        workflow_uri: str,
        document: str,
        document_sha256: str,
        job_order: str,
        job_order_sha256: str,
        work_dir: str,
        owner: str,
        protobuf: bytes | None = None,
        status: LaunchStatus = LaunchStatus.RUNNING,
    ) -> int:
        now = utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(
                pipeline_launch.insert().values(
                    protobuf=protobuf,
                    status=int(status),
                    created_at=now,
                    updated_at=now,
                    created_by=created_by,
                    name=name,
                    workflow_uri=workflow_uri,
                    document=document,
                    document_sha256=document_sha256,
                    job_order=job_order,
                    job_order_sha256=job_order_sha256,
                    work_dir=work_dir,
                    owner=owner,
                )
            )
            return int(result.inserted_primary_key[0])

    def get_launch(self, launch_id: int) -> LaunchRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(pipeline_launch).where(pipeline_launch.c.id == launch_id)
            ).first()
        return None if row is None else _launch_record(row)

    def resumable_launches(self, document_sha256: str, job_order_sha256: str) -> list[LaunchRecord]:
        """Unfinished or failed launches of this document and job order, newest first."""
        query = (
            sa.select(pipeline_launch)
            .where(
                pipeline_launch.c.document_sha256 == document_sha256,
                pipeline_launch.c.job_order_sha256 == job_order_sha256,
                pipeline_launch.c.status.in_(
                    [int(LaunchStatus.RUNNING), int(LaunchStatus.FAILED)]
                ),
            )
            .order_by(pipeline_launch.c.id.desc())
        )
        with self.engine.connect() as conn:
            return [_launch_record(row) for row in conn.execute(query)]

    def set_launch_status(
        self,
        launch_id: int,
        status: LaunchStatus,
        *,
        message: str | None = None,
        outputs: Any = None,
        owner: str | None = None,
        expected_owner: str | None = None,
    ) -> bool:
        """Move a launch to `status`; False when its current state does not allow it.

        With `expected_owner`, the change happens only while that owner still holds the
        launch, so two engines cannot both take over one interrupted launch.
        """
        sources = _sources_of(LAUNCH_TRANSITIONS, status)
        if not sources:
            raise IllegalTransition(f"no launch state may move to {status.name}")
        now = utcnow()
        values: dict[str, Any] = {"status": int(status), "updated_at": now}
        if message is not None:
            values["message"] = message
        if outputs is not None:
            values["outputs"] = json.dumps(outputs)
        if owner is not None:
            values["owner"] = owner
        if status.finished:
            values["finished_at"] = now
        conditions = [
            pipeline_launch.c.id == launch_id,
            pipeline_launch.c.status.in_(sources),
        ]
        if expected_owner is not None:
            conditions.append(pipeline_launch.c.owner == expected_owner)
        with self.engine.begin() as conn:
            result = conn.execute(pipeline_launch.update().where(*conditions).values(**values))
        return result.rowcount == 1

    def list_launches(self, limit: int = 50) -> list[LaunchRecord]:
        query = sa.select(pipeline_launch).order_by(pipeline_launch.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_launch_record(row) for row in conn.execute(query)]

    # -- step jobs -------------------------------------------------------------------------

    def jobs(self, launch_id: int) -> list[JobRecord]:
        query = (
            sa.select(kubernetes_job)
            .where(kubernetes_job.c.pipeline_launch_id == launch_id)
            .order_by(kubernetes_job.c.id)
        )
        with self.engine.connect() as conn:
            return [_job_record(row) for row in conn.execute(query)]

    def start_jobs(self, launch_id: int, starts: Sequence[JobStart]) -> None:
        """Record `starts` as RUNNING in one transaction, before any of them is submitted.

        A key seen before (its process died, or it failed in an earlier attempt) gets a new
        attempt; a key that already SUCCEEDED is refused, since finished jobs never change.
        """
        self.record_jobs(launch_id, starts=starts)

    def finish_jobs(self, launch_id: int, ends: Sequence[JobEnd]) -> int:
        """Record the ends of step jobs in one transaction; returns how many changed."""
        return self.record_jobs(launch_id, ends=ends)

    def record_jobs(
        self,
        launch_id: int,
        *,
        ends: Sequence[JobEnd] = (),
        starts: Sequence[JobStart] = (),
        known_keys: set[str] | None = None,
    ) -> int:
        """In one transaction, the starts of new jobs and then the ends of finished ones.

        `known_keys`, when the caller keeps it, is the set of keys already stored for the
        launch (it is updated here); without it the table is asked. Returns how many ends
        changed a row: an end whose job is not RUNNING changes nothing.
        """
        now = utcnow()
        with self.engine.begin() as conn:
            if starts:
                if known_keys is None:
                    known_keys = self._stored_keys(conn, launch_id, [s.job_key for s in starts])
                self._record_starts(conn, launch_id, starts, known_keys, now)
            return self._record_ends(conn, launch_id, ends, now) if ends else 0

    @staticmethod
    def _stored_keys(conn, launch_id: int, keys: list[str]) -> set[str]:
        query = sa.select(kubernetes_job.c.job_key).where(
            kubernetes_job.c.pipeline_launch_id == launch_id,
            kubernetes_job.c.job_key.in_(keys),
        )
        return set(conn.execute(query).scalars())

    @staticmethod
    def _record_ends(conn, launch_id: int, ends: Sequence[JobEnd], now) -> int:
        rows = [
            {
                "launch": launch_id,
                "k": end.job_key,
                "new": int(end.status),
                "outputs": None if end.outputs is None else json.dumps(end.outputs),
                "exit_code": end.exit_code,
                "message": end.message,
                "now": now,
            }
            for end in ends
        ]
        changed = 0
        for status in {end.status for end in ends}:
            batch = [row for row in rows if row["new"] == int(status)]
            changed += conn.execute(_END_JOB[status], batch).rowcount
        return changed

    @staticmethod
    def _record_starts(conn, launch_id: int, starts, known_keys: set[str], now) -> None:
        fresh = [s for s in starts if s.job_key not in known_keys]
        again = [s for s in starts if s.job_key in known_keys]
        if fresh:
            conn.execute(
                _INSERT_JOB,
                [
                    {
                        "launch": launch_id,
                        "status": int(JobStatus.RUNNING),
                        "now": now,
                        "node": s.node_name,
                        "k": s.job_key,
                        "executor": s.executor,
                        "job_name": s.job_name,
                        "inputs": json.dumps(s.inputs),
                    }
                    for s in fresh
                ],
            )
            known_keys.update(s.job_key for s in fresh)
        if again:
            rows = [
                {"launch": launch_id, "k": s.job_key, "executor": s.executor,
                 "job_name": s.job_name, "inputs": json.dumps(s.inputs), "now": now}
                for s in again
            ]
            if conn.execute(_RESTART_JOB, rows).rowcount != len(again):
                raise StoreError(f"a step job of launch {launch_id} is finished already")

    def void_jobs(self, launch_id: int, keys: Sequence[str], reason: str) -> int:
        """Record SUCCEEDED jobs whose outputs are gone as FAILED, so they can run again."""
        if not keys:
            return 0
        with self.engine.begin() as conn:
            result = conn.execute(
                kubernetes_job.update()
                .where(
                    kubernetes_job.c.pipeline_launch_id == launch_id,
                    kubernetes_job.c.job_key.in_(list(keys)),
                    kubernetes_job.c.status == int(JobStatus.SUCCEEDED),
                )
                .values(status=int(JobStatus.FAILED), message=reason, finished_at=utcnow())
            )
        return result.rowcount

    def cancel_running_jobs(self, launch_id: int, message: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                kubernetes_job.update()
                .where(
                    kubernetes_job.c.pipeline_launch_id == launch_id,
                    kubernetes_job.c.status.in_(
                        _sources_of(JOB_TRANSITIONS, JobStatus.CANCELLED)
                    ),
                )
                .values(status=int(JobStatus.CANCELLED), message=message, finished_at=utcnow())
            )
        return result.rowcount


def _launch_record(row) -> LaunchRecord:
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
        finished_at=row.finished_at,
    )


def _job_record(row) -> JobRecord:
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
    )
