"""Stratified k-fold cross-validation of one classifier: accuracy, ROC AUC and F1 per fold.

Targets are class indexes 0..k-1. For two classes, ROC AUC and F1 treat class 1 (the second
label in sorted order) as positive; for more, ROC AUC is the macro average of one-vs-rest AUCs
and F1 is macro-averaged. Scores come from ``predict_proba``, else ``decision_function``.
The summary's std is the population standard deviation (numpy's default, ddof=0).
"""

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from wonderland.trainer.errors import TrainerError

METRICS = ("accuracy", "roc_auc", "f1")


@dataclass(frozen=True)
class FoldScores:
    """The metrics of one fold, and how many rows it trained and tested on."""

    fold: int
    n_train: int
    n_test: int
    accuracy: float
    roc_auc: float
    f1: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class FitError(Exception):
    """The estimator raised while fitting or predicting fold `fold` (1-based)."""

    def __init__(self, fold: int, folds: int, cause: Exception) -> None:
        super().__init__(f"fold {fold} of {folds}: {cause}")
        self.fold = fold
        self.folds = folds
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
        model = clone(estimator)
        try:
            model.fit(x[train], y[train])
            predicted = model.predict(x[test])
            ranking = _class_scores(model, x[test])
        except TrainerError:
            raise
        except Exception as exc:  # whatever the estimator raises is the user's model failing
            raise FitError(fold, folds, exc) from exc
        y_test = y[test]
        scores.append(
            FoldScores(
                fold=fold,
                n_train=len(train),
                n_test=len(test),
                accuracy=float(accuracy_score(y_test, predicted)),
                roc_auc=_roc_auc(y_test, ranking, n_classes),
                f1=float(
                    f1_score(y_test, predicted, average="binary" if n_classes == 2 else "macro")
                ),
            )
        )
    return scores


def summarize(scores: list[FoldScores]) -> tuple[dict[str, float], dict[str, float]]:
    """Mean and standard deviation of each metric over the folds."""
    mean = {m: float(np.mean([getattr(s, m) for s in scores])) for m in METRICS}
    std = {m: float(np.std([getattr(s, m) for s in scores])) for m in METRICS}
    return mean, std


def _class_scores(model: BaseEstimator, x: np.ndarray) -> np.ndarray:
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(x))
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(x))
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
