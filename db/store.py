"""The one entry point for reading and changing stored state.

Every status change goes through a conditional UPDATE whose WHERE clause names the states
that may move to the new one (see `states.py`), so a change either follows the transition
table or does not happen; callers learn which through the returned row counts. Every call is
one transaction, run again whole if the connection was lost before its commit
(`connection.in_transaction`).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from wonderland.db import migrate
from wonderland.db.connection import (
    StoreError,
    in_transaction,
    open_engine,
    reason_of,
    safe_url,
)
from wonderland.db.records import (
    JobEnd,
    JobRecord,
    JobStart,
    LaunchRecord,
    job_record,
    launch_record,
)
from wonderland.db.schema import kubernetes_job, launch_label, pipeline_launch
from wonderland.db.states import (
    JOB_TRANSITIONS,
    JOB_UNDER_WAY,
    LAUNCH_TRANSITIONS,
    IllegalTransition,
    JobStatus,
    LaunchStatus,
)

__all__ = ["JobEnd", "JobRecord", "JobStart", "LaunchRecord", "Store", "StoreError"]

LABEL_KEY_MAX, LABEL_VALUE_MAX = 63, 255


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


class Store:
    """Launches, their labels and their step jobs, in one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = open_engine(url)
        try:
            migrate.upgrade_if_needed(self.engine)
        except DBAPIError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open database {self._safe_url()}: {reason_of(exc)}") from exc

    def _safe_url(self) -> str:
        return safe_url(sa.engine.make_url(self.url))

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
        labels: Mapping[str, str] | None = None,
        protobuf: bytes | None = None,
        status: LaunchStatus = LaunchStatus.RUNNING,
    ) -> int:
        """Record a launch and its labels in one transaction; returns its id.

        A server records PENDING launches with owner "", which a runner takes with
        `set_launch_status(id, RUNNING, owner=..., expected_owner="")`; `wonderland run`
        records its own launch RUNNING, owned by itself. Label keys longer than 63 characters
        or values longer than 255 are a ValueError, on every database.
        """
        labels = dict(labels or {})
        for key, value in labels.items():
            if not key or len(key) > LABEL_KEY_MAX or len(value) > LABEL_VALUE_MAX:
                raise ValueError(f"label {key!r}: keys have 1 to {LABEL_KEY_MAX} characters,"
                                 f" values up to {LABEL_VALUE_MAX}")
        now = utcnow()
        row = {
            "protobuf": protobuf, "status": int(status), "created_at": now, "updated_at": now,
            "created_by": created_by, "name": name, "workflow_uri": workflow_uri,
            "document": document, "document_sha256": document_sha256, "job_order": job_order,
            "job_order_sha256": job_order_sha256, "work_dir": work_dir, "owner": owner,
        }

        def insert(conn: Connection) -> int:
            launch_id = int(conn.execute(pipeline_launch.insert().values(**row))
                            .inserted_primary_key[0])
            if labels:
                conn.execute(launch_label.insert(), [
                    {"pipeline_launch_id": launch_id, "key": k, "value": v}
                    for k, v in labels.items()
                ])
            return launch_id

        return in_transaction(self.engine, insert)

    def get_launch(self, launch_id: int) -> LaunchRecord | None:
        query = sa.select(pipeline_launch).where(pipeline_launch.c.id == launch_id)
        row = in_transaction(self.engine, lambda conn: conn.execute(query).first())
        return None if row is None else launch_record(row)

    def _launches(self, query: sa.Select) -> list[LaunchRecord]:
        rows = in_transaction(self.engine, lambda conn: conn.execute(query).all())
        return [launch_record(row) for row in rows]

    def resumable_launches(self, document_sha256: str, job_order_sha256: str) -> list[LaunchRecord]:
        """Unfinished or failed launches of this document and job order, newest first."""
        return self._launches(
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
        launch, so two engines cannot both take over one interrupted launch (a PENDING
        launch has owner "": the runner that takes it passes expected_owner="").
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
        update = pipeline_launch.update().where(*conditions).values(**values)
        return in_transaction(self.engine, lambda conn: conn.execute(update).rowcount) == 1

    def list_launches(
        self,
        limit: int = 50,
        *,
        created_by: str | None = None,
        statuses: Sequence[LaunchStatus] = (),
        labels: Mapping[str, str] | None = None,
        before_id: int | None = None,
        server_only: bool = False,
    ) -> list[LaunchRecord]:
        """Launches newest first: of one user, in some states, carrying every given label;
        with `server_only`, only those submitted to a server (not `wonderland run`'s).

        Pages go on with `before_id`, the id of the last launch of the previous page.
        """
        query = sa.select(pipeline_launch)
        if server_only:
            query = query.where(pipeline_launch.c.protobuf.is_not(None))
        if created_by is not None:
            query = query.where(pipeline_launch.c.created_by == created_by)
        if statuses:
            query = query.where(pipeline_launch.c.status.in_([int(s) for s in statuses]))
        for key, value in (labels or {}).items():
            query = query.where(pipeline_launch.c.id.in_(
                sa.select(launch_label.c.pipeline_launch_id)
                .where(launch_label.c.key == key, launch_label.c.value == value)
            ))
        if before_id is not None:
            query = query.where(pipeline_launch.c.id < before_id)
        return self._launches(query.order_by(pipeline_launch.c.id.desc()).limit(limit))

    def pending_launches(self, limit: int) -> list[LaunchRecord]:
        """PENDING launches oldest first: the queue a runner takes launches from."""
        return self._launches(
            sa.select(pipeline_launch)
            .where(pipeline_launch.c.status == int(LaunchStatus.PENDING))
            .order_by(pipeline_launch.c.id)
            .limit(limit)
        )

    def running_launches(self) -> list[LaunchRecord]:
        """Every RUNNING launch, oldest first (a restarted server resumes them)."""
        return self._launches(
            sa.select(pipeline_launch)
            .where(pipeline_launch.c.status == int(LaunchStatus.RUNNING))
            .order_by(pipeline_launch.c.id)
        )

    def labels_of(self, launch_ids: Iterable[int]) -> dict[int, dict[str, str]]:
        """The labels of each of `launch_ids` ({} for a launch without labels or not stored)."""
        ids = sorted(set(launch_ids))
        found: dict[int, dict[str, str]] = {launch_id: {} for launch_id in ids}
        if not ids:
            return found
        query = sa.select(launch_label).where(launch_label.c.pipeline_launch_id.in_(ids))
        for row in in_transaction(self.engine, lambda conn: conn.execute(query).all()):
            found[row.pipeline_launch_id][row.key] = row.value
        return found

    # -- step jobs -------------------------------------------------------------------------

    def jobs(self, launch_id: int) -> list[JobRecord]:
        query = (
            sa.select(kubernetes_job)
            .where(kubernetes_job.c.pipeline_launch_id == launch_id)
            .order_by(kubernetes_job.c.id)
        )
        return [job_record(row) for row in
                in_transaction(self.engine, lambda conn: conn.execute(query).all())]

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
        launch (it is updated once the transaction is committed); without it the table is
        asked. Returns how many ends changed a row: an end whose job is not RUNNING changes
        nothing.
        """
        now = utcnow()
        inserted: list[str] = []

        def record(conn: Connection) -> int:
            inserted.clear()  # an attempt run again after a lost connection starts over
            if starts:
                stored = known_keys
                if stored is None:
                    stored = self._stored_keys(conn, launch_id, [s.job_key for s in starts])
                inserted.extend(self._record_starts(conn, launch_id, starts, stored, now))
            return self._record_ends(conn, launch_id, ends, now) if ends else 0

        changed = in_transaction(self.engine, record)
        if known_keys is not None:
            known_keys.update(inserted)
        return changed

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
    def _record_starts(conn, launch_id: int, starts, known_keys: set[str], now) -> list[str]:
        """Insert the new keys, restart the known ones; returns the keys inserted."""
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
        if again:
            rows = [
                {"launch": launch_id, "k": s.job_key, "executor": s.executor,
                 "job_name": s.job_name, "inputs": json.dumps(s.inputs), "now": now}
                for s in again
            ]
            if conn.execute(_RESTART_JOB, rows).rowcount != len(again):
                raise StoreError(f"a step job of launch {launch_id} is finished already")
        return [s.job_key for s in fresh]

    def void_jobs(self, launch_id: int, keys: Sequence[str], reason: str) -> int:
        """Record SUCCEEDED jobs whose outputs are gone as FAILED, so they can run again."""
        if not keys:
            return 0
        update = (
            kubernetes_job.update()
            .where(
                kubernetes_job.c.pipeline_launch_id == launch_id,
                kubernetes_job.c.job_key.in_(list(keys)),
                kubernetes_job.c.status == int(JobStatus.SUCCEEDED),
            )
            .values(status=int(JobStatus.FAILED), message=reason, finished_at=utcnow())
        )
        return in_transaction(self.engine, lambda conn: conn.execute(update).rowcount)

    def cancel_running_jobs(self, launch_id: int, message: str) -> int:
        update = (
            kubernetes_job.update()
            .where(
                kubernetes_job.c.pipeline_launch_id == launch_id,
                kubernetes_job.c.status.in_(_sources_of(JOB_TRANSITIONS, JobStatus.CANCELLED)),
            )
            .values(status=int(JobStatus.CANCELLED), message=message, finished_at=utcnow())
        )
        return in_transaction(self.engine, lambda conn: conn.execute(update).rowcount)

