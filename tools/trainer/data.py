"""Loading a CSV file into features and an encoded target, with every check a user can fail."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wonderland.trainer.errors import TrainerError, first_line

_SHOWN_COLUMNS = 8


@dataclass(frozen=True)
class Dataset:
    """Features `x` (floats), target `y` as indexes into `classes`, and where they came from."""

    path: Path
    sha256: str
    feature_names: list[str]
    x: np.ndarray
    y: np.ndarray
    classes: list[object]

    @property
    def n_rows(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    def columns_with_missing_values(self) -> list[str]:
        """Names of the feature columns that hold NaN."""
        missing = np.isnan(self.x).any(axis=0)
        return [name for name, has_nan in zip(self.feature_names, missing, strict=True) if has_nan]


def load_dataset(path: Path, target: str) -> Dataset:
    """Read `path` and split off column `target`; raise TrainerError on anything unusable."""
    if not path.exists():
        raise TrainerError(f"--data: file not found: {path}")
    if not path.is_file():
        raise TrainerError(f"--data: not a file: {path}")
    try:
        frame = pd.read_csv(path)
    except Exception as exc:  # pandas raises many types; each is a CSV the user must fix
        raise TrainerError(f"--data: cannot read CSV {path}: {first_line(exc)}") from exc
    if target not in frame.columns:
        raise TrainerError(
            f"--target: column {target!r} not found in {path} (columns: {_names(frame.columns)})"
        )
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise TrainerError(f"--data: {path} has no feature columns besides {target!r}")
    if len(frame) == 0:
        raise TrainerError(f"--data: {path} has no rows")
    not_numeric = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if not_numeric:
        raise TrainerError(
            f"--data: {path} has non-numeric feature column(s): {_names(not_numeric)}"
        )
    labels = frame[target]
    n_missing = int(labels.isna().sum())
    if n_missing:
        raise TrainerError(
            f"--target: column {target!r} in {path} has {n_missing} row(s) without a value"
        )
    if pd.api.types.is_float_dtype(labels) and not (labels == labels.round()).all():
        example = labels[labels != labels.round()].iloc[0]
        raise TrainerError(
            f"--target: column {target!r} in {path} holds fractional numbers such as {example};"
            " a classifier needs class labels"
        )
    try:
        classes, y = np.unique(labels.to_numpy(), return_inverse=True)
    except TypeError as exc:
        raise TrainerError(
            f"--target: column {target!r} in {path} mixes kinds of values: {exc}"
        ) from exc
    if len(classes) < 2:
        raise TrainerError(
            f"--target: column {target!r} in {path} has only one class ({classes.tolist()[0]!r});"
            " a classifier needs at least two"
        )
    return Dataset(
        path=path,
        sha256=file_sha256(path),
        feature_names=[str(c) for c in features.columns],
        x=features.to_numpy(dtype=float),
        y=y.astype(np.int64),
        classes=classes.tolist(),
    )


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _names(columns: Iterable[object]) -> str:
    names = [str(c) for c in columns]
    shown = ", ".join(repr(n) for n in names[:_SHOWN_COLUMNS])
    more = len(names) - _SHOWN_COLUMNS
    return f"{shown}, and {more} more" if more > 0 else shown
