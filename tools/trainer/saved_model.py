"""Saving the model refitted on all rows: joblib's pickle of the estimator, written atomically.

The file holds only library classes (scikit-learn, lightgbm, xgboost, catboost), so
``joblib.load(path)`` reads it back wherever the same library versions are installed (the
metrics document lists them); the trainer need not be.
"""

from pathlib import Path

import joblib
from sklearn.base import BaseEstimator

from wonderland.trainer.atomic import atomic_file


def save_model(path: Path, model: BaseEstimator) -> None:
    """Pickle the fitted `model` to `path` with joblib; readers never see a partial file."""
    with atomic_file(path) as stream:
        joblib.dump(model, stream)
