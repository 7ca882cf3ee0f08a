"""Stratified k-fold cross-validation of one classifier, and the refit on all rows.

Metrics per fold: accuracy, ROC AUC, F1, precision, recall and log loss. Targets are class
indexes 0..k-1. For two classes, ROC AUC, F1, precision and recall treat class 1 (the second
label in sorted order) as positive; for more, ROC AUC is the macro average of one-vs-rest AUCs
and F1, precision and recall are macro averages. Precision of a class never predicted counts
as 0. Scores come from ``predict_proba``, else ``decision_function``; log loss needs
probabilities, so it is None for a model without ``predict_proba`` (such as ``SVC``).
The summary's std is the population standard deviation (numpy's default, ddof=0).
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TypeVar

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold

from wonderland.trainer.errors import TrainerError
from wonderland.trainer.ignored_params import refusing_ignored_params

T = TypeVar("T")

METRICS = ("accuracy", "roc_auc", "f1", "precision", "recall", "log_loss")


@dataclass(frozen=True)
class FoldScores:
    """The metrics of one fold, and how many rows it trained and tested on."""

    fold: int
    n_train: int
    n_test: int
    accuracy: float
    roc_auc: float
    f1: float
    precision: float
    recall: float
    log_loss: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


class FitError(Exception):
    """The estimator raised while fitting or predicting; `stage` says when, e.g. 'on fold 2
    of 5'."""

    def __init__(self, stage: str, cause: Exception) -> None:
        super().__init__(f"{stage}: {cause}")
        self.stage = stage
        self.cause = cause


def check_folds(y: np.ndarray, classes: list[object], folds: int) -> None:
    """Raise TrainerError unless every class has at least `folds` rows (and `folds` >= 2)."""
    if folds < 2:
        raise TrainerError(f"--folds: must be at least 2, got {folds}")
    counts = np.bincount(y, minlength=len(classes))
    smallest = int(np.argmin(counts))
    if counts[smallest] < folds:
        raise TrainerError(
            f"--folds: class {classes[smallest]!r} has only {counts[smallest]} row(s);"
            f" {folds} folds need at least {folds} rows of each class"
        )


def cross_validate(
    estimator: BaseEstimator, x: np.ndarray, y: np.ndarray, folds: int, seed: int
) -> list[FoldScores]:
    """Fit a clone of `estimator` on each training split and score it on the held-out split."""
    n_classes = int(y.max()) + 1
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = []
    for fold, (train, test) in enumerate(splitter.split(x, y), start=1):
        stage = f"on fold {fold} of {folds}"
        model = _fitted(estimator, x[train], y[train], stage)
        predictions = _guarded(_predictions, stage, model, x[test])
        scores.append(_score(fold, len(train), y[test], *predictions, n_classes))
    return scores


def fit_on_all_rows(estimator: BaseEstimator, x: np.ndarray, y: np.ndarray) -> BaseEstimator:
    """A clone of `estimator` fitted on every row, the model to keep after cross-validation."""
    return _fitted(estimator, x, y, "when refitted on all rows")


def summarize(
    scores: list[FoldScores],
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """Mean and standard deviation of each metric over the folds (None where a fold has none)."""
    mean: dict[str, float | None] = {}
    std: dict[str, float | None] = {}
    for metric in METRICS:
        values = [getattr(s, metric) for s in scores]
        known = None not in values
        mean[metric] = float(np.mean(values)) if known else None
        std[metric] = float(np.std(values)) if known else None
    return mean, std


def _score(
    fold: int,
    n_train: int,
    y_test: np.ndarray,
    predicted: np.ndarray,
    ranking: np.ndarray,
    probabilities: np.ndarray | None,
    n_classes: int,
) -> FoldScores:
    average = "binary" if n_classes == 2 else "macro"
    return FoldScores(
        fold=fold,
        n_train=n_train,
        n_test=len(y_test),
        accuracy=float(accuracy_score(y_test, predicted)),
        roc_auc=_roc_auc(y_test, ranking, n_classes),
        f1=float(f1_score(y_test, predicted, average=average)),
        precision=float(precision_score(y_test, predicted, average=average, zero_division=0.0)),
        recall=float(recall_score(y_test, predicted, average=average)),
        log_loss=None
        if probabilities is None
        else float(log_loss(y_test, probabilities, labels=list(range(n_classes)))),
    )


def _fitted(estimator: BaseEstimator, x: np.ndarray, y: np.ndarray, stage: str) -> BaseEstimator:
    model = clone(estimator)
    _guarded(_fit, stage, model, x, y)
    return model


def _fit(model: BaseEstimator, x: np.ndarray, y: np.ndarray) -> None:
    with refusing_ignored_params():
        model.fit(x, y)


def _guarded(call: Callable[..., T], stage: str, *args: object) -> T:
    """`call(*args)`; whatever the estimator raises is the user's model failing."""
    try:
        return call(*args)
    except TrainerError:
        raise
    except Exception as exc:
        raise FitError(stage, exc) from exc


def _predictions(
    model: BaseEstimator, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Predicted classes, scores to rank by, and class probabilities if the model has them."""
    predicted = np.asarray(model.predict(x)).ravel()  # catboost predicts a column
    if hasattr(model, "predict_proba"):
        probabilities = np.asarray(model.predict_proba(x))
        return predicted, probabilities, probabilities
    if hasattr(model, "decision_function"):
        return predicted, np.asarray(model.decision_function(x)), None
    raise TrainerError(
        f"--model: {type(model).__name__} has neither predict_proba nor decision_function,"
        " so its ROC AUC cannot be computed"
    )


def _roc_auc(y_true: np.ndarray, ranking: np.ndarray, n_classes: int) -> float:
    if n_classes == 2:
        positive = ranking[:, 1] if ranking.ndim == 2 else ranking
        return float(roc_auc_score(y_true, positive))
    per_class = [roc_auc_score(y_true == c, ranking[:, c]) for c in range(n_classes)]
    return float(np.mean(per_class))
