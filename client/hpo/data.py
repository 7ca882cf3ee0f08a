"""The training data of a study as one CSV file with a header row: a CSV path is checked and
used as it is; a pandas DataFrame or (X, y) arrays are written into the study's scratch folder.
The checks are the trainer's, made once before any trial runs: the target column exists and
holds at least two classes, each with at least `folds` rows."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from wonderland.client.hpo.errors import OptimizeError


def training_csv(data: Any, target: str, folds: int, folder: str) -> str:
    """The path of a CSV file holding `data` with the class labels in column `target`."""
    if isinstance(data, str | os.PathLike):
        path = os.path.abspath(os.fspath(data))
        _check(_read(path), target, folds, path)
        return path
    frame = _frame(data, target)
    _check(frame, target, folds, "data")
    path = os.path.join(folder, "data.csv")
    frame.to_csv(path, index=False)
    return path


def _read(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise OptimizeError(f"data {path}: no such file") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise OptimizeError(f"data {path}: not a CSV file ({' '.join(str(exc).split())})"
                            ) from None


def _frame(data: Any, target: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        x, y = np.asarray(data[0]), np.asarray(data[1])
        if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
            raise OptimizeError(f"data: (X, y) must be a 2-D array and a 1-D array of as many "
                                f"rows, got shapes {x.shape} and {y.shape}")
        frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
        frame[target] = y
        return frame
    raise OptimizeError("data: expected a CSV path, a pandas DataFrame or an (X, y) pair, got "
                        f"{type(data).__name__}")


def _check(frame: pd.DataFrame, target: str, folds: int, where: str) -> None:
    if target not in frame.columns:
        raise OptimizeError(f"{where}: no target column {target!r} (columns: "
                            f"{', '.join(map(str, frame.columns[:10]))}"
                            f"{', ...' if len(frame.columns) > 10 else ''})")
    counts = frame[target].value_counts()
    if len(counts) < 2:
        raise OptimizeError(f"{where}: target column {target!r} holds {len(counts)} class(es); "
                            "a classifier needs at least two")
    if counts.min() < folds:
        raise OptimizeError(f"{where}: class {counts.idxmin()!r} has only {counts.min()} row(s); "
                            f"{folds} folds need at least {folds} rows of each class")
