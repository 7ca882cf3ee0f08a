"""`optimize`: a hyperparameter study whose trials are launches of the trainer template.

    result = optimize(space, "random_forest", "data.csv", target="target", algo="tpe",
                      n_trials=30, parallel=4)            # client=Client(...) for a server
    result.best_params, result.best_value, result.trials  # a pandas DataFrame

`parallel` trials are in flight at once, each refilled as soon as it ends. A failed launch is a
FAILED trial, never a score; more than `max_failed` of them stop the study (StudyError). After
`timeout` seconds no new trial is launched and those in flight are waited for.

Every trial is recorded (`records.py`) before its launch and when it ends. `n_trials` counts the
whole study: called again with the same `study_name` (and `db`), a study that was interrupted,
even by a killed client, goes on where it stopped — ended trials are told to the optimizer again,
not rerun; launches still in flight are followed again; trials this client cancelled when it was
interrupted run again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from wonderland.client.client import Client
from wonderland.client.hpo.errors import OptimizeError, StudyError
from wonderland.client.hpo.launcher import TrialLauncher, open_launcher
from wonderland.client.hpo.objective import Objective, objective
from wonderland.client.hpo.optimizers import Optimizer, check_algo, make_optimizer
from wonderland.client.hpo.records import file_sha256, open_records, records_url
from wonderland.client.hpo.results import StudyResult, TrialRecord, TrialState
from wonderland.client.hpo.space import parse_space
from wonderland.db.studies import StudyStore, TrialRow

POLL_INTERVAL = 0.25

Progress = Callable[[StudyResult], None]


def optimize(
    space: Any,
    model: str,
    data: Any,
    *,
    target: str = "target",
    metric: str = "roc_auc",
    direction: str = "maximize",
    algo: str = "tpe",
    n_trials: int = 20,
    parallel: int = 1,
    seed: int = 0,
    timeout: float | None = None,
    max_failed: int = 3,
    folds: int = 3,
    client: Client | None = None,
    study_name: str | None = None,
    db: str | None = None,
    progress: Progress | None = None,
) -> StudyResult:
    """Search `space` for the parameters of `model` that score best on `data` (a CSV path, a
    DataFrame holding `target`, or (X, y)); bad input is an OptimizeError before any trial.
    `db` is the embedded engine's database, or for a server the one the study is kept in;
    `progress` is called with the result so far each time a trial ends."""
    goal = objective(metric, direction)
    for name, number, least in (("n_trials", n_trials, 1), ("parallel", parallel, 1),
                                ("max_failed", max_failed, 0), ("seed", seed, 0)):
        if isinstance(number, bool) or not isinstance(number, int) or number < least:
            raise OptimizeError(f"{name}: must be an integer of at least {least}, got {number!r}")
    if timeout is not None and timeout <= 0:
        raise OptimizeError(f"timeout: must be more than 0 seconds, got {timeout!r}")
    parsed = parse_space(space)
    check_algo(algo, parsed)
    url = records_url(db, client is None)
    study = study_name or f"study-{uuid.uuid4().hex[:8]}"
    with open_launcher(model=model, data=data, target=target, folds=folds, seed=seed,
                       client=client, study_name=study, parallel=parallel, db=db) as launcher:
        settings = {"model": model, "target": target, "metric": metric, "direction": direction,
                    "algo": algo, "folds": folds, "seed": seed, "space": parsed.describe(),
                    "data_sha256": file_sha256(launcher.data)}
        store, row = open_records(url, study, settings)
        try:
            stored = store.trials(row.id)
            # a resumed optimizer draws from another seed, so as not to repeat its first points
            optimizer = make_optimizer(algo, parsed, seed=seed + 7919 * len(stored),
                                       parallel=parallel)
            loop = _StudyLoop(launcher, optimizer, goal, max_failed, store, row.id, progress)
            loop.resume(stored)
            loop.run(n_trials, parallel, timeout)
            store.set_status(row.id, "COMPLETE")
            return loop.result()
        except StudyError:
            store.set_status(row.id, "FAILED")
            raise
        finally:
            store.close()


def check_failures(result: StudyResult, max_failed: int) -> None:
    """StudyError once more than `max_failed` trials of `result` failed."""
    failed = [r for r in result.ordered if r.state is TrialState.FAILED]
    if len(failed) > max_failed:
        last = failed[-1]
        raise StudyError(
            f"study {result.name}: {len(failed)} trials failed (max_failed={max_failed}); "
            f"trial {last.number} (launch {last.launch_id}): {last.error}")


def _utc(stamp: datetime | None) -> datetime | None:
    return None if stamp is None else stamp.replace(tzinfo=UTC)


def _naive(stamp: datetime | None) -> datetime | None:
    return None if stamp is None else stamp.astimezone(UTC).replace(tzinfo=None)


class _StudyLoop:
    """Asks, records, launches, follows and tells, keeping up to `parallel` trials in flight."""

    def __init__(self, launcher: TrialLauncher, optimizer: Optimizer, goal: Objective,
                 max_failed: int, store: StudyStore, study_id: int,
                 progress: Progress | None) -> None:
        self._launcher = launcher
        self._optimizer = optimizer
        self._goal = goal
        self._max_failed = max_failed
        self._store = store
        self._study_id = study_id
        self._progress = progress
        self._records: list[TrialRecord] = []
        self._flying: dict[int, tuple[int, TrialRecord]] = {}  # launch id: (key, record)
        self._next_number = 0

    def result(self) -> StudyResult:
        return StudyResult(self._launcher.study, self._goal, self._records)

    def resume(self, rows: list[TrialRow]) -> None:
        """Give the optimizer the stored trials: ended ones told, running ones followed,
        cancelled ones launched again."""
        for row in rows:
            key = self._optimizer.adopt(row.point)
            self._next_number = max(self._next_number, row.number + 1)
            if row.state == "CANCELLED":
                self._submit(row.number, key, row.params, row.point)
                continue
            launch_id = row.launch_id or self._launcher.find(row.number)
            if row.state == "RUNNING" and launch_id is None:  # died before it was submitted
                self._submit(row.number, key, row.params, row.point)
                continue
            record = TrialRecord(row.number, row.params, launch_id or 0,
                                 TrialState[row.state], row.value, row.metrics, row.error,
                                 _utc(row.started_at), _utc(row.finished_at))
            self._records.append(record)
            if record.state is TrialState.RUNNING:
                self._store.set_launch(self._study_id, row.number, record.launch_id)
                self._flying[record.launch_id] = (key, record)
            elif record.state is TrialState.COMPLETE:
                self._optimizer.tell(key, self._goal.loss(record.value))
            else:
                self._optimizer.fail(key)

    def run(self, n_trials: int, parallel: int, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            check_failures(self.result(), self._max_failed)
            while True:
                while (len(self._flying) < parallel and len(self._records) < n_trials
                       and (deadline is None or time.monotonic() < deadline)):
                    key, params, point = self._optimizer.ask()
                    self._submit(self._next_number, key, params, point)
                    self._next_number += 1
                if not self._flying:
                    return
                time.sleep(POLL_INTERVAL)
                for outcome in self._launcher.poll(list(self._flying)):
                    self._end(*self._flying.pop(outcome.launch_id), outcome)
                check_failures(self.result(), self._max_failed)
        except BaseException as exc:
            flying = [record.number for _key, record in self._flying.values()]
            self._launcher.cancel(list(self._flying))
            self._store.cancel_trials(self._study_id, flying, f"study stopped: {exc!r}"[:500])
            raise

    def _submit(self, number: int, key: int, params: dict[str, Any], point: Any) -> None:
        self._store.add_trial(self._study_id, number, params, point)
        record = TrialRecord(number, params, self._launcher.submit(number, params))
        self._store.set_launch(self._study_id, number, record.launch_id)
        self._records.append(record)
        self._flying[record.launch_id] = (key, record)

    def _end(self, key: int, record: TrialRecord, outcome: Any) -> None:
        record.finish(outcome, self._goal)
        if record.value is None:
            self._optimizer.fail(key)
        else:
            self._optimizer.tell(key, self._goal.loss(record.value))
        self._store.end_trial(self._study_id, record.number, record.state.value,
                              value=record.value, metrics=record.metrics, error=record.error,
                              started_at=_naive(record.created),
                              finished_at=_naive(record.finished))
        if self._progress is not None:
            self._progress(self.result())
