"""`optimize`: a hyperparameter study whose trials are launches of the trainer template.

    result = optimize(space, "random_forest", "data.csv", target="target", algo="tpe",
                      n_trials=30, parallel=4)            # client=Client(...) for a server
    result.best_params, result.best_value, result.trials  # a pandas DataFrame

`parallel` trials are in flight at once, each refilled as soon as it ends. A failed launch is a
FAILED trial, never a score; more than `max_failed` of them stop the study (StudyError). After
`timeout` seconds no new trial is launched and those in flight are waited for.
"""

from __future__ import annotations

import time
from typing import Any

from wonderland.client.client import Client
from wonderland.client.hpo.errors import OptimizeError, StudyError
from wonderland.client.hpo.launcher import TrialLauncher, open_launcher
from wonderland.client.hpo.objective import Objective, objective
from wonderland.client.hpo.optimizers import Optimizer, make_optimizer
from wonderland.client.hpo.results import StudyResult, TrialRecord, TrialState
from wonderland.client.hpo.space import parse_space

POLL_INTERVAL = 0.25


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
) -> StudyResult:
    """Search `space` for the parameters of `model` that score best on `data` (a CSV path, a
    DataFrame holding `target`, or (X, y)); bad input is an OptimizeError before any trial."""
    goal = objective(metric, direction)
    for name, number, least in (("n_trials", n_trials, 1), ("parallel", parallel, 1),
                                ("max_failed", max_failed, 0)):
        if isinstance(number, bool) or not isinstance(number, int) or number < least:
            raise OptimizeError(f"{name}: must be an integer of at least {least}, got {number!r}")
    optimizer = make_optimizer(algo, parse_space(space), seed=seed, parallel=parallel)
    with open_launcher(model=model, data=data, target=target, folds=folds, seed=seed,
                       client=client, study_name=study_name, parallel=parallel) as launcher:
        loop = _StudyLoop(launcher, optimizer, goal, max_failed)
        loop.run(n_trials, parallel, timeout)
        return loop.result()


def check_failures(result: StudyResult, max_failed: int) -> None:
    """StudyError once more than `max_failed` trials of `result` failed."""
    failed = [r for r in result.records if r.state is TrialState.FAILED]
    if len(failed) > max_failed:
        last = failed[-1]
        raise StudyError(
            f"study {result.name}: {len(failed)} trials failed (max_failed={max_failed}); "
            f"trial {last.number} (launch {last.launch_id}): {last.error}")


class _StudyLoop:
    """Asks, launches, follows and tells, keeping up to `parallel` trials in flight."""

    def __init__(self, launcher: TrialLauncher, optimizer: Optimizer, goal: Objective,
                 max_failed: int) -> None:
        self._launcher = launcher
        self._optimizer = optimizer
        self._goal = goal
        self._max_failed = max_failed
        self._records: list[TrialRecord] = []
        self._flying: dict[int, tuple[int, TrialRecord]] = {}  # launch id: (key, record)

    def result(self) -> StudyResult:
        return StudyResult(self._launcher.study, self._goal, self._records)

    def run(self, n_trials: int, parallel: int, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                while (len(self._flying) < parallel and len(self._records) < n_trials
                       and (deadline is None or time.monotonic() < deadline)):
                    self._launch()
                if not self._flying:
                    return
                time.sleep(POLL_INTERVAL)
                for outcome in self._launcher.poll(list(self._flying)):
                    key, record = self._flying.pop(outcome.launch_id)
                    record.finish(outcome, self._goal)
                    if record.value is None:
                        self._optimizer.fail(key)
                    else:
                        self._optimizer.tell(key, self._goal.loss(record.value))
                check_failures(self.result(), self._max_failed)
        except BaseException:
            self._launcher.cancel(list(self._flying))
            raise

    def _launch(self) -> None:
        key, params = self._optimizer.ask()
        number = len(self._records)
        record = TrialRecord(number, params, self._launcher.submit(number, params))
        self._records.append(record)
        self._flying[record.launch_id] = (key, record)
