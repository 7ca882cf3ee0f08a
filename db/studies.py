"""Hyperparameter studies and their trials: the queries `wonderland.client.hpo` makes.

A study is found by its unique name and holds the settings it was started with (JSON), its
status and its owner (the client process running it). A trial row is written before its launch
is submitted (RUNNING, no launch id yet), gets its launch id once submitted, and ends once:
a COMPLETE or FAILED trial never changes again; CANCELLED (the study's own client stopped it)
may run again under the same number when the study resumes, as may a RUNNING one without a
launch id (its client died between recording it and submitting its launch).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from wonderland.db import migrate
from wonderland.db.connection import StoreError, in_transaction, open_engine, reason_of, safe_url
from wonderland.db.schema import study, study_trial

TRIAL_ENDED = ("COMPLETE", "FAILED")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class StudyRow:
    id: int
    name: str
    settings: dict[str, Any]
    status: str
    owner: str


@dataclass(frozen=True)
class TrialRow:
    number: int
    state: str
    params: dict[str, Any]
    point: Any
    launch_id: int | None
    value: float | None
    metrics: dict[str, float]
    error: str
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None


class StudyStore:
    """Studies and trials in one database (migrated on open, like `Store`)."""

    def __init__(self, url: str) -> None:
        self.engine = open_engine(url)
        try:
            migrate.upgrade_if_needed(self.engine)
        except DBAPIError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open database {safe_url(self.engine.url)}: "
                             f"{reason_of(exc)}") from exc

    def close(self) -> None:
        self.engine.dispose()

    def open_study(self, name: str, settings: dict[str, Any], owner: str) -> StudyRow:
        """The study `name`, created with `settings` if new; it is not claimed here."""
        def work(conn) -> StudyRow:
            row = conn.execute(sa.select(study).where(study.c.name == name)).first()
            if row is None:
                now = _now()
                conn.execute(study.insert().values(
                    name=name, settings=json.dumps(settings, sort_keys=True), status="RUNNING",
                    owner=owner, created_at=now, updated_at=now))
                row = conn.execute(sa.select(study).where(study.c.name == name)).one()
            return StudyRow(row.id, row.name, json.loads(row.settings), row.status, row.owner)

        return in_transaction(self.engine, work)

    def claim(self, study_id: int, owner: str, expected_owner: str) -> bool:
        """Make `owner` the study's owner if it still is `expected_owner`; whether it won."""
        return in_transaction(self.engine, lambda conn: conn.execute(
            study.update().where(study.c.id == study_id, study.c.owner == expected_owner)
            .values(owner=owner, status="RUNNING", updated_at=_now())).rowcount == 1)

    def set_status(self, study_id: int, status: str) -> None:
        in_transaction(self.engine, lambda conn: conn.execute(
            study.update().where(study.c.id == study_id)
            .values(status=status, updated_at=_now())))

    def trials(self, study_id: int) -> list[TrialRow]:
        def work(conn) -> list[TrialRow]:
            rows = conn.execute(sa.select(study_trial).where(study_trial.c.study_id == study_id)
                                .order_by(study_trial.c.number)).all()
            return [TrialRow(r.number, r.state, json.loads(r.params), json.loads(r.point),
                             r.launch_id, r.value, json.loads(r.metrics or "{}"), r.error,
                             r.started_at, r.finished_at) for r in rows]

        return in_transaction(self.engine, work)

    def add_trial(self, study_id: int, number: int, params: dict[str, Any], point: Any) -> None:
        """Trial `number` as RUNNING, before its launch; a CANCELLED one starts again, and so
        does one whose client died before it recorded a launch."""
        def work(conn) -> None:
            values = {"state": "RUNNING", "params": json.dumps(params), "point": json.dumps(point),
                      "launch_id": None, "error": "", "started_at": _now(), "finished_at": None}
            again = conn.execute(study_trial.update().where(
                study_trial.c.study_id == study_id, study_trial.c.number == number,
                sa.or_(study_trial.c.state == "CANCELLED",
                       sa.and_(study_trial.c.state == "RUNNING",
                               study_trial.c.launch_id.is_(None)))).values(**values)).rowcount
            if not again:
                conn.execute(study_trial.insert().values(study_id=study_id, number=number,
                                                         **values))

        in_transaction(self.engine, work)

    def set_launch(self, study_id: int, number: int, launch_id: int) -> None:
        in_transaction(self.engine, lambda conn: conn.execute(
            study_trial.update().where(study_trial.c.study_id == study_id,
                                       study_trial.c.number == number)
            .values(launch_id=launch_id)))

    def end_trial(self, study_id: int, number: int, state: str, *, value: float | None = None,
                  metrics: dict[str, float] | None = None, error: str = "",
                  started_at: datetime.datetime | None = None,
                  finished_at: datetime.datetime | None = None) -> bool:
        """Trial `number` ends as COMPLETE, FAILED or CANCELLED, once; whether it changed."""
        changes: dict[str, Any] = {"state": state, "value": value,
                                   "metrics": json.dumps(metrics or {}), "error": error,
                                   "finished_at": finished_at or _now()}
        if started_at is not None:
            changes["started_at"] = started_at
        return in_transaction(self.engine, lambda conn: conn.execute(
            study_trial.update().where(study_trial.c.study_id == study_id,
                                       study_trial.c.number == number,
                                       study_trial.c.state == "RUNNING")
            .values(**changes)).rowcount == 1)

    def cancel_trials(self, study_id: int, numbers: Sequence[int], reason: str) -> None:
        for number in numbers:
            self.end_trial(study_id, number, "CANCELLED", error=reason)
