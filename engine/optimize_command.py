"""`wonderland optimize SPEC.yaml`: a hyperparameter study (`wonderland.client.hpo`) on the
embedded engine, from a spec file whose settings the options override.

A progress bar on stderr (on a terminal) counts trials and shows the best score so far; at the
end trials.csv, convergence.png, report.html and best.json are written to the output folder and
the best trial is printed as JSON. Bad input is one line on stderr and exit code 1, before any
trial runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from typing import Any

INTERRUPTED = 130
OVERRIDES = ("model", "data", "target", "metric", "direction", "algo", "n_trials", "parallel",
             "seed", "timeout", "max_failed", "folds", "study", "output", "db")


def add_parser(sub, positive_int, positive_float) -> None:
    optimize = sub.add_parser(
        "optimize", help="tune a classifier's hyperparameters (a study of trainer launches)",
        description="Run the hyperparameter study described by SPEC.yaml on the embedded "
        "engine; options override the spec's keys of the same name. Writes trials.csv, "
        "convergence.png, report.html and best.json to the output folder and prints the best "
        "trial as JSON. Run again with the same --study and --db to resume an interrupted "
        "study.")
    optimize.add_argument("spec", metavar="SPEC.yaml", help="the study's settings")
    for name in ("model", "data", "target", "metric", "direction", "algo", "study"):
        optimize.add_argument(f"--{name}", default=None)
    for name in ("n_trials", "parallel", "seed", "max_failed", "folds"):
        kind = int if name in ("seed", "max_failed") else positive_int
        optimize.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind, default=None,
                              metavar="N")
    optimize.add_argument("--timeout", type=positive_float, default=None, metavar="SECONDS",
                          help="launch no new trial after this long")
    optimize.add_argument("--output", default=None, metavar="DIR",
                          help="the report folder (default: hpo-STUDY in this directory)")
    optimize.add_argument("--db", default=None, metavar="URL",
                          help="state database of the engine and the study")
    optimize.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from wonderland.client import ClientError
    from wonderland.client.hpo import OptimizeError, StudyError, optimize
    from wonderland.client.hpo.spec import load_spec
    from wonderland.db import StoreError

    settings: dict[str, Any] = {}
    made: list[str] = []  # removed again unless the reports are written into them
    try:
        settings, output = load_spec(args.spec, {k: getattr(args, k) for k in OVERRIDES})
        made = _report_folder(output)  # before any trial, not after the study
        bar = _ProgressBar(settings.get("n_trials", 20), shown=not args.quiet and
                           sys.stderr.isatty())
        try:
            result = optimize(**settings, progress=bar.update)
        finally:
            bar.close()
        _write_reports(result, output)
        made = []
    except (OptimizeError, StudyError, ClientError, StoreError) as exc:
        print(f"wonderland optimize: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"wonderland optimize: {where}{(exc.strerror or str(exc)).lower()}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        study = settings.get("study_name")
        print("wonderland optimize: interrupted" + (
            f"; run again with --study {study} to resume" if study else ""), file=sys.stderr)
        return INTERRUPTED
    finally:
        _remove_empty(made)
    print(json.dumps(_best(result, output), indent=1))
    if not result.complete:
        print(f"wonderland optimize: no trial completed ({len(result.records)} failed); their "
              f"errors are in {os.path.join(output, 'trials.csv')}", file=sys.stderr)
        return 1
    return 0


def _report_folder(folder: str) -> list[str]:
    """Make `folder` (OSError if it cannot be: checked by making it, as a root user may write
    anywhere os.access says); returns the folders made, innermost first."""
    made = []
    missing = os.path.abspath(folder)
    while not os.path.exists(missing):
        made.append(missing)
        missing = os.path.dirname(missing)
    os.makedirs(folder, exist_ok=True)
    return made


def _remove_empty(folders: list[str]) -> None:
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            return


def _best(result: Any, output: str) -> dict[str, Any]:
    best = result.best_trial
    return {"study": result.name, "metric": result.objective.metric,
            "direction": result.objective.direction,
            "best_value": None if best is None else best.value,
            "best_params": None if best is None else best.params,
            "best_trial": None if best is None else best.number,
            "trials": len(result.records), "complete": len(result.complete),
            "output": output}


def _write_reports(result: Any, output: str) -> None:
    os.makedirs(output, exist_ok=True)
    result.to_csv(os.path.join(output, "trials.csv"))
    result.plot_png(os.path.join(output, "convergence.png"))
    result.to_html(os.path.join(output, "report.html"))
    with open(os.path.join(output, "best.json"), "w", encoding="utf-8") as handle:
        json.dump(_best(result, output), handle, indent=1)
        handle.write("\n")


class _ProgressBar:
    """Trials ended out of n_trials, with the best score so far; nothing unless `shown`."""

    def __init__(self, total: int, shown: bool) -> None:
        from tqdm import tqdm

        size = shutil.get_terminal_size()  # 80x24 when the terminal says 0x0; tqdm would
        self._bar = tqdm(total=total, unit="trial", file=sys.stderr, disable=not shown,
                         ncols=size.columns, nrows=size.lines)  # then hide the bar

    def update(self, result: Any) -> None:
        best = result.best_value
        self._bar.set_postfix_str(
            f"best {result.objective.metric} {'-' if best is None else f'{best:.6g}'}, "
            f"failed {len(result.records) - len(result.complete) - self._running(result)}",
            refresh=False)
        self._bar.update(len(result.records) - self._running(result) - self._bar.n)

    @staticmethod
    def _running(result: Any) -> int:
        return sum(1 for r in result.records if r.state.value == "RUNNING")

    def close(self) -> None:
        self._bar.close()
