"""The `wonderland-trainer` command: parse arguments, train, write metrics, report errors.

    wonderland-trainer --data data.csv --target COLUMN --model NAME
                       [--params JSON|@FILE] [--folds 5] [--seed 0] [--output metrics.json]
                       [--refit MODEL_FILE]

``--refit`` fits the model once more on all rows after cross-validation and saves it (joblib).
Exit code 0 on success; on bad input, one line on stderr and exit code 1, with neither metrics
nor model file written (``--debug`` shows the traceback and everything the model printed).
"""

import argparse
import contextlib
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from wonderland.trainer.data import Dataset, load_dataset
from wonderland.trainer.errors import TrainerError, first_line
from wonderland.trainer.evaluate import FitError, check_folds, cross_validate, fit_on_all_rows
from wonderland.trainer.held_stderr import held_stderr
from wonderland.trainer.ignored_params import IgnoredParamsError
from wonderland.trainer.models import MODELS, build_model
from wonderland.trainer.params import parse_params
from wonderland.trainer.report import build_report, write_json_atomic
from wonderland.trainer.saved_model import save_model

PROG = "wonderland-trainer"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 1 like every other bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Cross-validate one classifier on a CSV file and write its metrics as JSON.",
    )
    parser.add_argument("--data", required=True, type=Path, help="CSV file with a header row")
    parser.add_argument("--target", required=True, help="name of the column to predict")
    parser.add_argument(
        "--model",
        required=True,
        help=f"{', '.join(MODELS)}, or an import path such as sklearn.svm.SVC",
    )
    parser.add_argument(
        "--params",
        help="constructor parameters as a JSON object, e.g. '{\"n_estimators\": 200}',"
        " or @FILE holding one",
    )
    parser.add_argument("--folds", type=int, default=5, help="stratified folds (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of folds and model (default 0)")
    parser.add_argument(
        "--output", type=Path, default=Path("metrics.json"), help="default metrics.json"
    )
    parser.add_argument(
        "--refit",
        type=Path,
        metavar="MODEL_FILE",
        help="after cross-validation, fit on all rows and save the model here (joblib)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and model output")
    return parser


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train and evaluate as `args` say; write and return the metrics document."""
    started = time.perf_counter()
    output: Path = args.output
    refit: Path | None = args.refit
    for flag, path in (("--output", output), ("--refit", refit)):
        if path is not None and not path.parent.is_dir():
            raise TrainerError(f"{flag}: directory does not exist: {path.parent}")
    if refit is not None and refit.resolve() == output.resolve():
        raise TrainerError(f"--refit: {refit} is also the --output metrics file")
    params = parse_params(args.params)
    estimator = build_model(args.model, params, args.seed)
    dataset = load_dataset(args.data, args.target)
    check_folds(dataset.y, dataset.classes, args.folds)
    hold = contextlib.nullcontext() if args.debug else held_stderr()
    try:
        with hold:
            scores = cross_validate(estimator, dataset.x, dataset.y, args.folds, args.seed)
            if refit is not None:
                save_model(refit, fit_on_all_rows(estimator, dataset.x, dataset.y))
    except FitError as exc:
        raise _fit_failure(args.model, exc, dataset) from exc
    report = build_report(
        model=args.model,
        params=params,
        target=args.target,
        folds=args.folds,
        seed=args.seed,
        dataset=dataset,
        scores=scores,
        model_file=refit,
        seconds=time.perf_counter() - started,
    )
    write_json_atomic(output, report)
    return report


def _fit_failure(model: str, exc: FitError, dataset: Dataset) -> TrainerError:
    """Say which input to fix when the estimator raised while training."""
    if isinstance(exc.cause, IgnoredParamsError):  # xgboost's names it does not know
        names = ", ".join(repr(n) for n in exc.cause.names)
        return TrainerError(f"--params: {model} has no parameter {names}")
    if type(exc.cause).__name__ == "InvalidParameterError":  # scikit-learn's, at fit time
        return TrainerError(f"--params: {model} rejected a parameter: {first_line(exc.cause)}")
    message = f"--model: {model} failed {exc.stage}: {first_line(exc.cause)}"
    missing = dataset.columns_with_missing_values()
    if missing:
        message += f" (missing values in {len(missing)} column(s), first {missing[0]!r})"
    return TrainerError(message)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        report = run(args)
    except TrainerError as exc:
        if args.debug:
            raise
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    mean, std = report["mean"], report["std"]
    figures = "  ".join(f"{m} {mean[m]:.4f} ± {std[m]:.4f}" for m in mean if mean[m] is not None)
    saved = "" if args.refit is None else f", model -> {args.refit}"
    print(
        f"{args.model}: {figures}  ({args.folds} folds, {report['seconds']:.1f} s)"
        f" -> {args.output}{saved}"
    )
    return 0
