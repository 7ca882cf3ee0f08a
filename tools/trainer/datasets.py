"""Exporting the small data sets that ship with scikit-learn to CSV, for examples and tests.

    python -m wonderland.trainer.datasets breast-cancer OUT.csv

breast-cancer: 569 rows, 30 numeric features, `target` 0 = malignant, 1 = benign.
iris: 150 rows, 4 numeric features, `target` 0, 1, 2 (three species).
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.datasets import load_breast_cancer, load_iris

from wonderland.trainer.atomic import write_text_atomic

TARGET = "target"

DATASETS: dict[str, Callable[..., Any]] = {
    "breast-cancer": load_breast_cancer,
    "iris": load_iris,
}


def dataset_frame(name: str) -> pd.DataFrame:
    """The named data set as a frame: its feature columns, then `target`."""
    frame = DATASETS[name](as_frame=True).frame
    return frame.rename(columns={"target": TARGET})


def export_csv(name: str, path: Path) -> int:
    """Write the named data set to `path` as CSV (atomically); return its number of rows."""
    frame = dataset_frame(name)
    write_text_atomic(path, frame.to_csv(index=False))
    return len(frame)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wonderland.trainer.datasets",
        description="Write a data set bundled with scikit-learn to a CSV file.",
    )
    parser.add_argument("name", choices=sorted(DATASETS))
    parser.add_argument("output", type=Path, help="CSV file to write")
    args = parser.parse_args(argv)
    if not args.output.parent.is_dir():
        print(
            f"{parser.prog}: error: directory does not exist: {args.output.parent}", file=sys.stderr
        )
        return 1
    rows = export_csv(args.name, args.output)
    print(f"{args.name}: {rows} rows -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
