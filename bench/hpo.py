"""Hyperparameter optimization on the engine (`wonderland.client.hpo`), measured in one run:

- original: LightGBM on scikit-learn's breast cancer data, ROC AUC by 3-fold stratified CV,
  `--trials` trials each of scikit-optimize's forest (forest_minimize semantics: a random-forest
  surrogate), its Gaussian process (gp_minimize) and hyperopt's TPE, beside the original
  system's 0.989915 / 0.989883 / 0.981966;
- models: LightGBM, XGBoost, RandomForest and CatBoost tuned with the GP (`--model-trials`
  each, by ROC AUC), with the best trial's accuracy, ROC AUC and F1;
- engine cost: `--noop-trials` trials of a model that learns nothing (scikit-learn's
  DummyClassifier on 40 rows) through the engine, against the same trainer function called
  in-process (`wonderland.trainer.cli.main`) on the same parameters; ms per trial;
- parallel: `--timed-trials` trials of about one second (a random forest) with parallel=1 and
  parallel=2, and the speed-up.

Every study runs on a fresh embedded engine (its own SQLite file and work area under a scratch
folder) and is checked: a study with a failed trial stops the benchmark. Times are reported,
never asserted on.

    python bench/hpo.py [--trials 100] [--model-trials 30] [--noop-trials 40]
                        [--timed-trials 40] [--parts original models cost parallel]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import tempfile
import time

import numpy as np

from wonderland.client.hpo import optimize
from wonderland.trainer import cli as trainer_cli
from wonderland.trainer.datasets import dataset_frame

ORIGINAL = {"forest": 0.989915, "gp": 0.989883, "tpe": 0.981966}
LIGHTGBM_SPACE = {
    "n_estimators": {"type": "int", "low": 50, "high": 400},
    "learning_rate": {"type": "float", "low": 0.01, "high": 0.3, "log": True},
    "num_leaves": {"type": "int", "low": 4, "high": 64},
    "min_child_samples": {"type": "int", "low": 5, "high": 50},
    "subsample": {"type": "float", "low": 0.5, "high": 1.0},
    "subsample_freq": {"type": "int", "low": 1, "high": 5},
    "colsample_bytree": {"type": "float", "low": 0.3, "high": 1.0},
}
MODEL_SPACES = {
    "lightgbm": LIGHTGBM_SPACE,
    "xgboost": {
        "n_estimators": {"type": "int", "low": 50, "high": 400},
        "learning_rate": {"type": "float", "low": 0.01, "high": 0.3, "log": True},
        "max_depth": {"type": "int", "low": 2, "high": 8},
        "subsample": {"type": "float", "low": 0.5, "high": 1.0},
        "colsample_bytree": {"type": "float", "low": 0.3, "high": 1.0},
    },
    "random_forest": {
        "n_estimators": {"type": "int", "low": 50, "high": 400},
        "max_depth": {"type": "int", "low": 2, "high": 16},
        "min_samples_leaf": {"type": "int", "low": 1, "high": 10},
        "max_features": {"type": "categorical", "choices": ["sqrt", "log2"]},
    },
    "catboost": {
        "iterations": {"type": "int", "low": 50, "high": 300},
        "learning_rate": {"type": "float", "low": 0.01, "high": 0.3, "log": True},
        "depth": {"type": "int", "low": 2, "high": 8},
        "l2_leaf_reg": {"type": "float", "low": 1.0, "high": 10.0, "log": True},
    },
}
NOOP_SPACE = {"strategy": {"type": "categorical",
                           "choices": ["prior", "stratified", "uniform"]}}
TIMED_SPACE = {"n_estimators": {"type": "int", "low": 95, "high": 105}}


class Bench:
    """Scratch folders, one fresh engine database per study."""

    def __init__(self, scratch: str, data: str) -> None:
        self.scratch = scratch
        self.data = data
        self._studies = 0

    def study(self, space, model, *, data=None, **options):
        self._studies += 1
        folder = os.path.join(self.scratch, f"study-{self._studies}")
        os.makedirs(folder)
        os.environ["WONDERLAND_HOME"] = folder
        started = time.perf_counter()
        result = optimize(space, model, data or self.data, target="target", folds=3,
                          max_failed=0, db=f"sqlite:///{folder}/state.db", **options)
        seconds = time.perf_counter() - started
        failed = len(result.records) - len(result.complete)
        if failed:
            raise SystemExit(f"bench: study {result.name}: {failed} trial(s) failed")
        return result, seconds


def original(bench: Bench, trials: int) -> None:
    print(f"\n## LightGBM, breast cancer, ROC AUC by 3-fold CV, {trials} trials each")
    print("space: " + ", ".join(
        f"{name} {d['type']} [{d['low']}, {d['high']}]{' log' if d.get('log') else ''}"
        for name, d in LIGHTGBM_SPACE.items()))
    print("| algo | ours | original | wall s |\n|---|---|---|---|")
    for algo in ("forest", "gp", "tpe"):
        result, seconds = bench.study(LIGHTGBM_SPACE, "lightgbm", algo=algo, n_trials=trials,
                                      parallel=2, seed=0)
        print(f"| {algo} | {result.best_value:.6f} | {ORIGINAL[algo]:.6f} | {seconds:.0f} |",
              flush=True)


def models(bench: Bench, trials: int) -> None:
    print(f"\n## Four models tuned with gp by ROC AUC, {trials} trials each (best trial)")
    print("| model | accuracy | ROC AUC | F1 | wall s |\n|---|---|---|---|---|")
    for model, space in MODEL_SPACES.items():
        result, seconds = bench.study(space, model, algo="gp", n_trials=trials, parallel=2,
                                      seed=0)
        best = result.best_trial.metrics
        print(f"| {model} | {best['accuracy']:.4f} | {best['roc_auc']:.4f} | {best['f1']:.4f} "
              f"| {seconds:.0f} |", flush=True)


def cost(bench: Bench, trials: int) -> None:
    frame = dataset_frame("breast-cancer").groupby("target").head(20)
    tiny = os.path.join(bench.scratch, "tiny.csv")
    frame.to_csv(tiny, index=False)
    result, seconds = bench.study(NOOP_SPACE, "sklearn.dummy.DummyClassifier", data=tiny,
                                  algo="random", n_trials=trials, parallel=1, seed=0)
    started = time.perf_counter()
    for record in result.ordered:
        out = os.path.join(bench.scratch, "inproc.json")
        with contextlib.redirect_stdout(io.StringIO()):
            code = trainer_cli.main(["--data", tiny, "--target", "target", "--model",
                                     "sklearn.dummy.DummyClassifier", "--params",
                                     json.dumps(record.params), "--folds", "3", "--output", out])
        assert code == 0
    inproc = time.perf_counter() - started
    engine_ms, inproc_ms = 1000 * seconds / trials, 1000 * inproc / trials
    launch_ms = np.median([1000 * r.seconds for r in result.records])
    print(f"\n## Engine cost per trial ({trials} trials that learn nothing, parallel=1)")
    print("| | ms per trial |\n|---|---|")
    print(f"| study through the engine (wall / trials) | {engine_ms:.0f} |")
    print(f"| median launch, created to finished | {launch_ms:.0f} |")
    print(f"| trainer function in-process | {inproc_ms:.1f} |")
    print(f"| engine cost (difference) | {engine_ms - inproc_ms:.0f} |")


def parallel(bench: Bench, trials: int) -> None:
    print(f"\n## {trials} trials of ~1 s (random forest, ~100 trees) at parallel 1 and 2")
    print("| parallel | wall s | median trial s |\n|---|---|---|")
    walls = {}
    for workers in (1, 2):
        result, walls[workers] = bench.study(TIMED_SPACE, "random_forest", algo="random",
                                             n_trials=trials, parallel=workers, seed=0)
        median = np.median([r.seconds for r in result.records])
        print(f"| {workers} | {walls[workers]:.1f} | {median:.2f} |", flush=True)
    print(f"speed-up from two workers: {walls[1] / walls[2]:.2f}x (on {os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--model-trials", type=int, default=30)
    parser.add_argument("--noop-trials", type=int, default=40)
    parser.add_argument("--timed-trials", type=int, default=40)
    parser.add_argument("--parts", nargs="+", default=["original", "models", "cost", "parallel"],
                        choices=["original", "models", "cost", "parallel"])
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="wonderland-bench-hpo-")
    try:
        data = os.path.join(scratch, "breast_cancer.csv")
        dataset_frame("breast-cancer").to_csv(data, index=False)
        bench = Bench(scratch, data)
        runs = {"original": (original, args.trials), "models": (models, args.model_trials),
                "cost": (cost, args.noop_trials), "parallel": (parallel, args.timed_trials)}
        for part in args.parts:
            function, size = runs[part]
            function(bench, size)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
