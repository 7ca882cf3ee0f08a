"""One adapter per optimizer library behind the same ask/tell shape, each minimizing a loss:

    optimizer = make_optimizer("tpe", space, seed=0, parallel=2)
    key, params, point = optimizer.ask()   # several may be in flight at once
    optimizer.tell(key, loss)              # or optimizer.fail(key): not a score
    key = optimizer.adopt(point)           # a point asked before (a resumed study), in flight

`point` is the library's own form of the parameters, plain JSON, so that a stored study can be
given back to a fresh optimizer: hyperopt's `misc.vals`, scikit-optimize's list, Optuna's params.

- hyperopt ("tpe", "random"): trial documents made by the algorithm's suggest function with
  `new_trial_ids`, as hyperopt's own asynchronous Trials classes get them; points in flight are
  RUNNING documents, which TPE leaves out of its model; a failure is a STATUS_FAIL result.
- scikit-optimize ("gp", "forest"): `Optimizer` with `gp_minimize`'s defaults (a Gaussian
  process, acquisition "gp_hedge") or `forest_minimize`'s (extra trees, "EI"); with points in
  flight, the next one is asked of a copy told those points at the best loss so far (the
  constant liar, cl_min); a failure is only forgotten.
- Optuna ("optuna-tpe", "optuna-random", "optuna-cmaes"): `study.ask(distributions)` and
  `study.tell`; TPE with `constant_liar` when trials run in parallel; a failure is told as
  TrialState.FAIL.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from wonderland.client.hpo.errors import OptimizeError
from wonderland.client.hpo.space import SearchSpace

Params = dict[str, Any]


class Optimizer(Protocol):
    def ask(self) -> tuple[int, Params, Any]:
        """A new point to try, under a key for `tell` or `fail`: its parameters and the point
        in the library's own (JSON) form."""

    def adopt(self, point: Any) -> int:
        """A point asked before (by an earlier optimizer of the same study), now in flight."""

    def tell(self, key: int, loss: float) -> None:
        """The loss of the point asked under `key`."""

    def fail(self, key: int) -> None:
        """The point asked under `key` could not be scored."""


def plain(value: Any) -> Any:
    """numpy scalars as Python ones, so that parameters can be written as JSON."""
    return value.item() if isinstance(value, np.generic) else value


class HyperoptOptimizer:
    def __init__(self, space: SearchSpace, suggest: Callable[..., Any], seed: int) -> None:
        from hyperopt import Domain, Trials

        self._expression = space.hyperopt()
        self._domain = Domain(lambda _params: 0.0, self._expression)
        self._trials = Trials()
        self._suggest = suggest
        self._rng = np.random.default_rng(seed)

    def ask(self) -> tuple[int, Params, Any]:
        from hyperopt import space_eval
        from hyperopt.base import spec_from_misc

        new_ids = self._trials.new_trial_ids(1)
        self._trials.refresh()
        [doc] = self._suggest(new_ids, self._domain, self._trials,
                              self._rng.integers(2**31 - 1))
        self._insert_running(doc)
        params = space_eval(self._expression, spec_from_misc(doc["misc"]))
        point = {label: [plain(v) for v in values] for label, values in doc["misc"]["vals"].items()}
        return new_ids[0], {name: plain(value) for name, value in params.items()}, point

    def adopt(self, point: Any) -> int:
        [tid] = self._trials.new_trial_ids(1)
        misc = {"tid": tid, "cmd": self._domain.cmd, "workdir": self._domain.workdir,
                "idxs": {label: [tid] if values else [] for label, values in point.items()},
                "vals": point}
        [doc] = self._trials.new_trial_docs([tid], [None], [self._domain.new_result()], [misc])
        self._insert_running(doc)
        return tid

    def _insert_running(self, doc: dict[str, Any]) -> None:
        from hyperopt import JOB_STATE_RUNNING

        doc["state"] = JOB_STATE_RUNNING
        self._trials.insert_trial_docs([doc])
        self._trials.refresh()

    def tell(self, key: int, loss: float) -> None:
        from hyperopt import STATUS_OK

        self._finish(key, {"loss": loss, "status": STATUS_OK})

    def fail(self, key: int) -> None:
        from hyperopt import STATUS_FAIL

        self._finish(key, {"status": STATUS_FAIL})

    def _finish(self, key: int, result: dict[str, Any]) -> None:
        from hyperopt import JOB_STATE_DONE

        doc = next(d for d in self._trials._dynamic_trials if d["tid"] == key)
        doc["result"] = result
        doc["state"] = JOB_STATE_DONE
        self._trials.refresh()


class SkoptOptimizer:
    def __init__(self, space: SearchSpace, algo: str, base_estimator: str, acquisition: str,
                 seed: int) -> None:
        from skopt import Optimizer as Skopt

        self._dimensions = space.skopt(algo)
        self._names = [d.name for d in self._dimensions]
        self._optimizer = Skopt(self._dimensions, base_estimator=base_estimator,
                                acq_func=acquisition, random_state=seed)
        self._rng = np.random.default_rng(seed)
        self._pending: dict[int, list[Any]] = {}
        self._next_key = 0

    def ask(self) -> tuple[int, Params, Any]:
        asked_of = self._optimizer
        if self._pending and self._optimizer.yi:
            asked_of = self._optimizer.copy(random_state=int(self._rng.integers(2**31 - 1)))
            liar = min(self._optimizer.yi)
            asked_of.tell(list(self._pending.values()), [liar] * len(self._pending))
        with warnings.catch_warnings():  # "The objective has been evaluated at point ..."
            warnings.simplefilter("ignore", UserWarning)
            point = [plain(value) for value in asked_of.ask()]
        key = self.adopt(point)
        return key, dict(zip(self._names, point, strict=True)), point

    def adopt(self, point: Any) -> int:
        key, self._next_key = self._next_key, self._next_key + 1
        self._pending[key] = list(point)
        return key

    def tell(self, key: int, loss: float) -> None:
        self._optimizer.tell(self._pending.pop(key), loss)

    def fail(self, key: int) -> None:
        del self._pending[key]


class OptunaOptimizer:
    def __init__(self, space: SearchSpace, algo: str, sampler: Any) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._distributions = space.optuna(algo)
        self._study = optuna.create_study(direction="minimize", sampler=sampler)
        self._trials: dict[int, Any] = {}

    def ask(self) -> tuple[int, Params, Any]:
        with warnings.catch_warnings():  # experimental features and independent sampling
            warnings.simplefilter("ignore")
            trial = self._study.ask(self._distributions)
        self._trials[trial.number] = trial
        params = {name: plain(value) for name, value in trial.params.items()}
        return trial.number, params, params

    def adopt(self, point: Any) -> int:
        """The point is enqueued, so that the next trial asked is fixed to it."""
        self._study.enqueue_trial(point)
        key, _params, _point = self.ask()
        return key

    def tell(self, key: int, loss: float) -> None:
        self._study.tell(self._trials.pop(key), loss)

    def fail(self, key: int) -> None:
        from optuna.trial import TrialState

        self._study.tell(self._trials.pop(key), state=TrialState.FAIL)


ALGOS = ("tpe", "random", "gp", "forest", "optuna-tpe", "optuna-random", "optuna-cmaes")


def check_algo(algo: str, space: SearchSpace) -> None:
    """OptimizeError for an unknown algo or a space its library cannot take."""
    if algo not in ALGOS:
        raise OptimizeError(f"algo: unknown algorithm {algo!r}; use {', '.join(ALGOS)}")
    if algo not in ("tpe", "random"):
        space.plain(algo)


def make_optimizer(algo: str, space: SearchSpace, *, seed: int, parallel: int) -> Optimizer:
    """The adapter for `algo` on `space` (checked by `check_algo` first)."""
    check_algo(algo, space)
    if algo in ("tpe", "random"):
        from hyperopt import rand, tpe

        return HyperoptOptimizer(space, (tpe if algo == "tpe" else rand).suggest, seed)
    if algo in ("gp", "forest"):
        if algo == "gp":
            return SkoptOptimizer(space, algo, "GP", "gp_hedge", seed)
        return SkoptOptimizer(space, algo, "ET", "EI", seed)
    from optuna import samplers

    if algo == "optuna-tpe":
        sampler = samplers.TPESampler(seed=seed, constant_liar=parallel > 1)
    elif algo == "optuna-random":
        sampler = samplers.RandomSampler(seed=seed)
    else:
        # categorical parameters are drawn at random, as CMA-ES samples only numbers
        sampler = samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    return OptunaOptimizer(space, algo, sampler)
