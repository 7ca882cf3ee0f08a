"""`WonderlandTrials`: hyperopt's `fmin` with its trials run as Wonderland launches, the way
hyperopt's SparkTrials runs them as Spark jobs:

    fmin(fn=objective("roc_auc"), space=space, algo=tpe.suggest, max_evals=30,
         trials=WonderlandTrials(model="random_forest", data="data.csv", parallel=4))

`fmin` hands over to `WonderlandTrials.fmin`, which runs hyperopt's own asynchronous loop
(`allow_trials_fmin=False`): the algorithm adds NEW trial documents (up to `max_queue_len`
waiting at once), and a dispatcher thread launches them, up to `parallel` RUNNING, and writes
each result back — DONE with STATUS_OK and the loss, or DONE with STATUS_FAIL for a failed
launch, which TPE leaves out. `fn` is not a Python function but an `Objective`: the trainer's
metric to optimize. More than `max_failed` failed trials cancel the rest and raise StudyError.
The trials live in this Trials object, as hyperopt's do, not in the study tables: a study that
resumes after its client died is `optimize(..., study_name=...)`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import hyperopt
from hyperopt import base
from hyperopt.utils import coarse_utcnow

from wonderland.client.client import Client
from wonderland.client.hpo.errors import OptimizeError
from wonderland.client.hpo.launcher import TrialLauncher, open_launcher
from wonderland.client.hpo.objective import Objective
from wonderland.client.hpo.optimizers import plain
from wonderland.client.hpo.results import StudyResult, TrialRecord
from wonderland.client.hpo.study import POLL_INTERVAL, check_failures


class WonderlandTrials(hyperopt.Trials):
    """Trials of one model on one data set, run through `client` (an embedded engine when
    None), `parallel` at once. `result()` gives them as a StudyResult."""

    asynchronous = True

    def __init__(self, *, model: str, data: Any, target: str = "target", folds: int = 3,
                 seed: int = 0, parallel: int = 1, max_failed: int = 3,
                 client: Client | None = None, study_name: str | None = None,
                 db: str | None = None, exp_key: str | None = None) -> None:
        super().__init__(exp_key=exp_key)
        self._setup = {"model": model, "data": data, "target": target, "folds": folds,
                       "seed": seed, "client": client, "study_name": study_name,
                       "parallel": parallel, "db": db}
        self.parallel = parallel
        self.max_failed = max_failed
        self.records: list[TrialRecord] = []
        self._result: StudyResult | None = None
        self._fmin_cancelled = False  # read by hyperopt's FMinIter.is_cancelled

    def result(self) -> StudyResult:
        if self._result is None:
            raise OptimizeError("WonderlandTrials: no study has run yet (call hyperopt.fmin)")
        return self._result

    def fmin(self, fn: Any, space: Any, algo: Any, max_evals: int, timeout: float | None,
             loss_threshold: float | None, max_queue_len: int, rstate: Any, verbose: bool,
             pass_expr_memo_ctrl: Any, catch_eval_exceptions: bool, return_argmin: bool,
             show_progressbar: bool, early_stop_fn: Any, trials_save_file: str = "") -> Any:
        """Called by `hyperopt.fmin`; the arguments are its own."""
        if not isinstance(fn, Objective):
            raise OptimizeError("fmin fn: WonderlandTrials runs the trainer, so fn must be "
                                "wonderland.client.hpo.objective(metric, direction), got "
                                f"{type(fn).__name__}")
        if pass_expr_memo_ctrl or trials_save_file:
            raise OptimizeError("fmin: WonderlandTrials supports neither pass_expr_memo_ctrl "
                                "nor trials_save_file")
        with open_launcher(**self._setup) as launcher:
            self._result = StudyResult(launcher.study, fn, self.records)
            dispatcher = _Dispatcher(self, launcher, fn, space)
            dispatcher.start()
            try:
                found = hyperopt.fmin(
                    fn, space, algo=algo, max_evals=max_evals, timeout=timeout,
                    loss_threshold=loss_threshold, trials=self, rstate=rstate,
                    allow_trials_fmin=False, catch_eval_exceptions=catch_eval_exceptions,
                    verbose=verbose, return_argmin=return_argmin, max_queue_len=max_queue_len,
                    show_progressbar=show_progressbar, early_stop_fn=early_stop_fn)
            except BaseException:
                dispatcher.stop()
                raise
            dispatcher.stop()
            return found


class _Dispatcher(threading.Thread):
    """Launches NEW trial documents, follows them, and writes their results back."""

    def __init__(self, trials: WonderlandTrials, launcher: TrialLauncher, goal: Objective,
                 space: Any) -> None:
        super().__init__(name=f"wonderland-trials-{launcher.study}", daemon=True)
        self._trials = trials
        self._launcher = launcher
        self._goal = goal
        self._space = space
        self._stopping = threading.Event()
        self._flying: dict[int, tuple[dict[str, Any], TrialRecord]] = {}  # launch id: ...
        self.error: BaseException | None = None

    def stop(self) -> None:
        """Stop (cancelling trials still in flight), then raise what stopped it early."""
        self._stopping.set()
        self.join()
        if self.error is not None:
            raise self.error

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._follow()
                check_failures(self._trials.result(), self._trials.max_failed)
                self._launch_new()
                time.sleep(POLL_INTERVAL)
        except BaseException as exc:  # handed to the fmin thread by stop()
            self.error = exc
            self._cancel_new()
        finally:
            self._launcher.cancel(list(self._flying))

    def _launch_new(self) -> None:
        waiting = [doc for doc in list(self._trials._dynamic_trials)
                   if doc["state"] == base.JOB_STATE_NEW]
        for doc in waiting[:self._trials.parallel - len(self._flying)]:
            params = hyperopt.space_eval(self._space, base.spec_from_misc(doc["misc"]))
            params = {name: plain(value) for name, value in params.items()}
            record = TrialRecord(doc["tid"], params, self._launcher.submit(doc["tid"], params))
            self._trials.records.append(record)
            self._flying[record.launch_id] = (doc, record)
            doc["book_time"] = doc["refresh_time"] = coarse_utcnow()
            doc["state"] = base.JOB_STATE_RUNNING

    def _follow(self) -> None:
        for outcome in self._launcher.poll(list(self._flying)):
            doc, record = self._flying.pop(outcome.launch_id)
            record.finish(outcome, self._goal)
            if record.value is None:
                doc["result"] = {"status": hyperopt.STATUS_FAIL, "error": record.error,
                                 "launch_id": record.launch_id}
            else:
                doc["result"] = {"status": hyperopt.STATUS_OK,
                                 "loss": self._goal.loss(record.value),
                                 "metrics": record.metrics, "launch_id": record.launch_id}
            doc["refresh_time"] = coarse_utcnow()
            doc["state"] = base.JOB_STATE_DONE

    def _cancel_new(self) -> None:
        """Let fmin's loop end: no trial waits any more, none will be queued."""
        self._trials._fmin_cancelled = True
        for doc in list(self._trials._dynamic_trials):
            if doc["state"] in (base.JOB_STATE_NEW, base.JOB_STATE_RUNNING):
                doc["state"] = base.JOB_STATE_CANCEL
