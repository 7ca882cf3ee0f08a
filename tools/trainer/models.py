"""Building a classifier from a model name (or an import path) and a dict of parameters.

Named models:

- ``random_forest``: ``sklearn.ensemble.RandomForestClassifier``.
- ``logistic_regression``: ``StandardScaler`` then ``sklearn.linear_model.LogisticRegression``;
  the parameters go to ``LogisticRegression``. Scaling lets the solver converge on features of
  very different magnitudes (breast cancer's areas are ~1000, its smoothness ~0.1).
- ``lightgbm``: ``lightgbm.LGBMClassifier``, quiet (``verbosity=-1``). Parameter names lightgbm
  does not know are rejected here, because lightgbm itself would ignore a typo.
- ``xgboost``: ``xgboost.XGBClassifier``, at its default ``verbosity=1``: warnings only. xgboost
  only warns about a parameter name it does not know; `ignored_params.py` turns that warning into
  an error (``verbosity=0`` in the parameters silences it, and with it that check).
- ``catboost``: ``catboost.CatBoostClassifier``, silent (``logging_level="Silent"``) and writing
  no ``catboost_info`` folder (``allow_writing_files=False``).

The three boosting libraries get one thread (``n_jobs=1``, catboost's ``thread_count=1``) unless
the parameters set the thread count under any of its names: a CWL job gets one core by default,
and OpenMP threads slow down many times over when they share cores.

Any other name containing a dot is an import path of a scikit-learn compatible classifier class,
such as ``sklearn.svm.SVC``. Every model that takes a seed (``random_state``, catboost's
``random_seed``) gets the trainer's, unless the parameters set it under any of its names.
"""

import importlib
from collections.abc import Callable
from typing import Any

from sklearn.base import BaseEstimator, is_classifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from wonderland.trainer.errors import TrainerError, first_line

Params = dict[str, Any]

# Defaults the trainer sets: (name, names that set the same thing, value). The value _SEED is
# replaced by the trainer's seed.
_SEED = object()
_Defaults = tuple[tuple[str, frozenset[str], object], ...]

_LIGHTGBM: _Defaults = (
    ("random_state", frozenset({"seed", "random_seed"}), _SEED),
    ("n_jobs", frozenset({"num_threads", "num_thread", "nthread", "nthreads"}), 1),
    ("verbosity", frozenset({"verbose"}), -1),
)
_XGBOOST: _Defaults = (
    ("random_state", frozenset({"seed"}), _SEED),
    ("n_jobs", frozenset({"nthread"}), 1),
)
_CATBOOST: _Defaults = (
    ("random_seed", frozenset({"random_state"}), _SEED),
    ("thread_count", frozenset(), 1),
    ("logging_level", frozenset({"verbose", "silent"}), "Silent"),
    ("allow_writing_files", frozenset(), False),
)


def _with_defaults(params: Params, defaults: _Defaults, seed: int) -> Params:
    """`params` plus each default whose name (or another name for it) `params` does not set."""
    chosen = {
        name: seed if value is _SEED else value
        for name, aliases, value in defaults
        if not ({name} | aliases) & params.keys()
    }
    return {**chosen, **params}


def _random_forest(params: Params, seed: int) -> BaseEstimator:
    return RandomForestClassifier(**{"random_state": seed, **params})


def _logistic_regression(params: Params, seed: int) -> BaseEstimator:
    return make_pipeline(StandardScaler(), LogisticRegression(**{"random_state": seed, **params}))


def _lightgbm(params: Params, seed: int) -> BaseEstimator:
    from lightgbm import LGBMClassifier

    _reject_unknown_lightgbm_params(params, set(LGBMClassifier().get_params()))
    return LGBMClassifier(**_with_defaults(params, _LIGHTGBM, seed))


def _xgboost(params: Params, seed: int) -> BaseEstimator:
    from xgboost import XGBClassifier

    return XGBClassifier(**_with_defaults(params, _XGBOOST, seed))


def _catboost(params: Params, seed: int) -> BaseEstimator:
    from catboost import CatBoostClassifier

    return CatBoostClassifier(**_with_defaults(params, _CATBOOST, seed))


MODELS: dict[str, Callable[[Params, int], BaseEstimator]] = {
    "random_forest": _random_forest,
    "logistic_regression": _logistic_regression,
    "lightgbm": _lightgbm,
    "xgboost": _xgboost,
    "catboost": _catboost,
}


def build_model(name: str, params: Params, seed: int) -> BaseEstimator:
    """A fresh, unfitted classifier; raise TrainerError for an unknown name or rejected params."""
    builder = MODELS.get(name)
    if builder is None:
        if "." not in name:
            raise TrainerError(
                f"--model: unknown model {name!r}; use {', '.join(MODELS)}"
                " or an import path such as sklearn.svm.SVC"
            )
        return _from_import_path(name, params, seed)
    try:
        return builder(params, seed)
    except TypeError as exc:
        raise TrainerError(f"--params: {name} rejected a parameter: {first_line(exc)}") from exc


def _from_import_path(path: str, params: Params, seed: int) -> BaseEstimator:
    module_name, _, class_name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise TrainerError(f"--model: cannot import {module_name!r}: {first_line(exc)}") from exc
    cls = getattr(module, class_name, None)
    # Checked before calling it: an import path must not run arbitrary constructors.
    if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
        raise TrainerError(f"--model: {path} is not a scikit-learn estimator class")
    try:
        estimator = cls(**params)
    except TypeError as exc:
        raise TrainerError(f"--params: {path} rejected a parameter: {first_line(exc)}") from exc
    if not _is_classifier(estimator):
        raise TrainerError(f"--model: {path} is not a classifier")
    if "random_state" in estimator.get_params() and "random_state" not in params:
        estimator.set_params(random_state=seed)
    return estimator


def _is_classifier(estimator: BaseEstimator) -> bool:
    try:
        return bool(is_classifier(estimator))
    except (AttributeError, TypeError):  # an estimator without scikit-learn's tags
        return False


def _reject_unknown_lightgbm_params(params: Params, sklearn_names: set[str]) -> None:
    """Raise TrainerError for a name that is neither an LGBMClassifier argument nor a lightgbm
    parameter or alias. Uses lightgbm's private alias table; skipped if that ever goes away."""
    try:
        from lightgbm.basic import _ConfigAliases

        native = _ConfigAliases._get_all_param_aliases()
    except (ImportError, AttributeError):
        return
    known = set(sklearn_names)
    for name, aliases in native.items():
        known.add(name)
        known.update(aliases)
    unknown = sorted(set(params) - known)
    if unknown:
        raise TrainerError(
            f"--params: lightgbm has no parameter {', '.join(repr(n) for n in unknown)}"
        )
