"""The metrics document: what was trained on what data, the scores, the library versions."""

import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from wonderland.trainer.atomic import write_text_atomic
from wonderland.trainer.data import Dataset
from wonderland.trainer.evaluate import FoldScores, summarize

_DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "lightgbm": "lightgbm",
    "xgboost": "xgboost",
    "catboost": "catboost",
    "numpy": "numpy",
    "pandas": "pandas",
}


def library_versions() -> dict[str, str | None]:
    """Versions of Python and of the libraries that decide the scores (None if not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for key, distribution in _DISTRIBUTIONS.items():
        try:
            versions[key] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[key] = None
    return versions


def build_report(
    *,
    model: str,
    params: dict[str, Any],
    target: str,
    folds: int,
    seed: int,
    dataset: Dataset,
    scores: list[FoldScores],
    model_file: Path | None,
    seconds: float,
) -> dict[str, Any]:
    """The JSON-ready metrics document of one cross-validated model; `model_file` is where the
    model refitted on all rows was saved, if it was."""
    mean, std = summarize(scores)
    return {
        "model": model,
        "params": params,
        "target": target,
        "folds": folds,
        "seed": seed,
        "data": str(dataset.path),
        "data_sha256": dataset.sha256,
        "n_rows": dataset.n_rows,
        "n_features": dataset.n_features,
        "classes": dataset.classes,
        "per_fold": [s.as_dict() for s in scores],
        "mean": mean,
        "std": std,
        "model_file": None if model_file is None else str(model_file),
        "versions": library_versions(),
        "seconds": round(seconds, 3),
    }


def write_json_atomic(path: Path, document: dict[str, Any]) -> None:
    """Write `document` as indented JSON, atomically."""
    write_text_atomic(path, json.dumps(document, indent=2) + "\n")
