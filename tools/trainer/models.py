"""Building a classifier from a model name (or an import path) and a dict of parameters.

Named models:

- ``random_forest``: ``sklearn.ensemble.RandomForestClassifier``.
- ``logistic_regression``: ``StandardScaler`` then ``sklearn.linear_model.LogisticRegression``;
  the parameters go to ``LogisticRegression``. Scaling lets the solver converge on features of
  very different magnitudes (breast cancer's areas are ~1000, its smoothness ~0.1).
- ``lightgbm``: ``lightgbm.LGBMClassifier`` with ``verbosity=-1`` and one thread (``n_jobs=1``)
  unless the parameters set ``n_jobs`` or an alias of it: a CWL job gets one core by default, and
  lightgbm's OpenMP threads slow down many times over when they share cores. Parameter names
  lightgbm does not know are rejected here, because lightgbm itself would ignore a typo.

Any other name containing a dot is an import path of a scikit-learn compatible classifier class,
such as ``sklearn.svm.SVC``. Every model whose constructor takes ``random_state`` gets the
trainer's seed unless the parameters set it.
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

# lightgbm's names for its thread count; any of them in the params overrides our one thread.
_LIGHTGBM_THREADS = {"n_jobs", "num_threads", "num_thread", "nthread", "nthreads"}


def _random_forest(params: Params, seed: int) -> BaseEstimator:
    return RandomForestClassifier(**{"random_state": seed, **params})


def _logistic_regression(params: Params, seed: int) -> BaseEstimator:
    return make_pipeline(StandardScaler(), LogisticRegression(**{"random_state": seed, **params}))


def _lightgbm(params: Params, seed: int) -> BaseEstimator:
    from lightgbm import LGBMClassifier

    _reject_unknown_lightgbm_params(params, set(LGBMClassifier().get_params()))
    defaults: Params = {"random_state": seed, "verbosity": -1}
    if not _LIGHTGBM_THREADS & set(params):
        defaults["n_jobs"] = 1
    return LGBMClassifier(**{**defaults, **params})


MODELS: dict[str, Callable[[Params, int], BaseEstimator]] = {
    "random_forest": _random_forest,
    "logistic_regression": _logistic_regression,
    "lightgbm": _lightgbm,
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
