"""The trainer command on real data: scikit-learn's breast cancer and iris sets, real models.

Most runs call `wonderland.trainer.cli.main` in-process (it is what the console script calls);
one runs the installed `wonderland-trainer` script to check the exit code a shell sees.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from wonderland.trainer import TRAINER_CWL
from wonderland.trainer.cli import main
from wonderland.trainer.datasets import export_csv
from wonderland.trainer.datasets import main as datasets_main
from wonderland.trainer.evaluate import METRICS
from wonderland.trainer.models import build_model

FAST_FOREST = '{"n_estimators": 25, "max_depth": 6}'

# Every named model, with parameters that keep it fast.
FAST_MODELS = {
    "random_forest": FAST_FOREST,
    "logistic_regression": '{"C": 1.0}',
    "lightgbm": '{"n_estimators": 40, "num_leaves": 8}',
    "xgboost": '{"n_estimators": 40, "max_depth": 3}',
    "catboost": '{"iterations": 40, "depth": 4}',
}


@pytest.fixture(scope="session")
def breast_cancer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "breast_cancer.csv"
    export_csv("breast-cancer", path)
    return path


@pytest.fixture(scope="session")
def iris(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "iris.csv"
    export_csv("iris", path)
    return path


def train(capsys: pytest.CaptureFixture[str], output: Path, *args: str) -> tuple[int, str, str]:
    """Run the command in-process; return its exit code, stdout and stderr."""
    try:
        code = main([*args, "--output", str(output)])
    except SystemExit as exc:  # argparse's own checks exit
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_breast_cancer_csv_has_569_rows_30_features_and_target(breast_cancer: Path) -> None:
    frame = pd.read_csv(breast_cancer)
    assert frame.shape == (569, 31)
    assert frame.columns[-1] == "target"
    assert frame["target"].value_counts().to_dict() == {1: 357, 0: 212}


def test_datasets_module_writes_the_named_csv(tmp_path: Path, capsys) -> None:
    assert datasets_main(["iris", str(tmp_path / "iris.csv")]) == 0
    assert "150 rows" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "iris.csv").shape == (150, 5)


def test_random_forest_metrics_document(breast_cancer: Path, tmp_path: Path, capsys) -> None:
    output = tmp_path / "metrics.json"
    args = ["--data", str(breast_cancer), "--target", "target", "--model", "random_forest"]
    code, out, err = train(capsys, output, *args, "--params", FAST_FOREST, "--folds", "3")
    assert (code, err) == (0, "")
    assert "roc_auc" in out
    metrics = json.loads(output.read_text())
    assert metrics["model"] == "random_forest"
    assert metrics["params"] == {"n_estimators": 25, "max_depth": 6}
    assert (metrics["folds"], metrics["seed"], metrics["target"]) == (3, 0, "target")
    assert metrics["data_sha256"] == hashlib.sha256(breast_cancer.read_bytes()).hexdigest()
    assert (metrics["n_rows"], metrics["n_features"], metrics["classes"]) == (569, 30, [0, 1])
    libraries = {"python", "sklearn", "lightgbm", "xgboost", "catboost", "numpy", "pandas"}
    assert set(metrics["versions"]) == libraries
    assert all(metrics["versions"].values())
    assert metrics["seconds"] > 0
    folds = metrics["per_fold"]
    assert [f["fold"] for f in folds] == [1, 2, 3]
    assert all(f["n_train"] + f["n_test"] == 569 for f in folds)
    assert sum(f["n_test"] for f in folds) == 569
    assert metrics["model_file"] is None
    assert set(metrics["mean"]) == set(metrics["std"]) == set(METRICS)
    assert set(METRICS) == {"accuracy", "roc_auc", "f1", "precision", "recall", "log_loss"}
    for metric in METRICS:
        values = [f[metric] for f in folds]
        assert metrics["mean"][metric] == pytest.approx(np.mean(values))
        assert metrics["std"][metric] == pytest.approx(np.std(values))
    assert 0.97 < metrics["mean"]["roc_auc"] <= 1.0
    assert 0.92 < metrics["mean"]["accuracy"] <= 1.0
    assert 0.93 < metrics["mean"]["f1"] <= 1.0
    assert 0.92 < metrics["mean"]["precision"] <= 1.0
    assert 0.92 < metrics["mean"]["recall"] <= 1.0
    assert 0.0 < metrics["mean"]["log_loss"] < 0.3


@pytest.mark.parametrize(
    ("model", "params", "min_roc_auc"),
    [
        *((name, params, 0.98) for name, params in FAST_MODELS.items()),
        ("sklearn.svm.SVC", "{}", 0.95),  # no predict_proba: ranks by decision_function
    ],
)
def test_every_model_reports_every_metric_on_breast_cancer(
    breast_cancer: Path, tmp_path: Path, capsys, monkeypatch, model, params, min_roc_auc
) -> None:
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "metrics.json"
    args = ["--data", str(breast_cancer), "--target", "target", "--model", model]
    code, out, err = train(capsys, output, *args, "--params", params, "--folds", "3")
    # Scaled logistic regression converges, the boosting libraries stay quiet: nothing on
    # stderr. And nothing in the working directory but the metrics (no catboost_info).
    assert (code, err) == (0, "")
    assert list(tmp_path.iterdir()) == [output]
    metrics = json.loads(output.read_text())
    mean = metrics["mean"]
    assert mean["roc_auc"] > min_roc_auc
    for metric in ("accuracy", "f1", "precision", "recall"):
        assert 0.85 < mean[metric] <= 1.0, metric
        assert f"{metric} {mean[metric]:.4f}" in out
    if model == "sklearn.svm.SVC":  # log loss needs probabilities, which SVC does not give
        assert mean["log_loss"] is None and metrics["std"]["log_loss"] is None
        assert all(f["log_loss"] is None for f in metrics["per_fold"])
    else:
        assert 0.0 < mean["log_loss"] < 0.35


@pytest.mark.parametrize("model", FAST_MODELS)
def test_multiclass_and_refit_model_that_predicts(
    iris: Path, tmp_path: Path, capsys, model: str
) -> None:
    output, model_file = tmp_path / "metrics.json", tmp_path / "model.joblib"
    args = ["--data", str(iris), "--target", "target", "--model", model]
    args += ["--params", FAST_MODELS[model], "--folds", "3", "--refit", str(model_file)]
    code, out, err = train(capsys, output, *args)
    assert (code, err) == (0, "")
    assert out.rstrip().endswith(f"-> {output}, model -> {model_file}")
    metrics = json.loads(output.read_text())
    assert metrics["classes"] == [0, 1, 2]
    assert metrics["model_file"] == str(model_file)
    # One-vs-rest macro ROC AUC, macro F1, precision and recall, multi-class log loss.
    assert metrics["mean"]["roc_auc"] > 0.95
    for metric in ("accuracy", "f1", "precision", "recall"):
        assert metrics["mean"][metric] > 0.85, metric
    assert 0.0 < metrics["mean"]["log_loss"] < 0.6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json", "model.joblib"]

    fitted = joblib.load(model_file)
    frame = pd.read_csv(iris)
    x, y = frame.drop(columns=["target"]).to_numpy(dtype=float), frame["target"].to_numpy()
    predicted = np.asarray(fitted.predict(x)).ravel()
    assert (predicted == y).mean() > 0.9  # fitted on all rows: it has seen these
    probabilities = fitted.predict_proba(x)
    assert probabilities.shape == (150, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


@pytest.mark.parametrize("model", ["xgboost", "catboost"])
def test_boosting_libraries_take_missing_values(
    bad_data: Path, tmp_path: Path, capsys, model: str
) -> None:
    args = ["--data", str(bad_data / "nan.csv"), "--target", "target", "--model", model]
    code, _, err = train(capsys, tmp_path / "m.json", *args, "--params", FAST_MODELS[model])
    assert (code, err) == (0, "")
    assert json.loads((tmp_path / "m.json").read_text())["mean"]["roc_auc"] > 0.97


@pytest.mark.parametrize(
    ("model", "params", "expected"),
    [
        ("lightgbm", {}, {"random_state": 7, "n_jobs": 1, "verbosity": -1}),
        ("lightgbm", {"seed": 1, "num_threads": 2}, {"random_state": None, "n_jobs": None}),
        ("xgboost", {}, {"random_state": 7, "n_jobs": 1}),
        ("xgboost", {"seed": 1, "nthread": 2}, {"random_state": None, "n_jobs": None}),
        (
            "catboost",
            {},
            {"random_seed": 7, "thread_count": 1, "logging_level": "Silent"}
            | {"allow_writing_files": False},
        ),
        ("catboost", {"random_state": 1, "verbose": 10}, {"random_seed": None}),
        ("random_forest", {}, {"random_state": 7}),
    ],
)
def test_seed_threads_and_quiet_defaults_yield_to_any_name_for_them(
    model: str, params: dict, expected: dict
) -> None:
    given = build_model(model, params, seed=7).get_params()
    for name, value in expected.items():
        assert given.get(name) == value, name
    for name, value in params.items():
        assert given[name] == value


def test_params_from_file_and_seed_decide_the_result(
    breast_cancer: Path, tmp_path: Path, capsys
) -> None:
    (tmp_path / "params.json").write_text(FAST_FOREST)
    common = ["--data", str(breast_cancer), "--target", "target", "--model", "random_forest"]
    common += ["--params", f"@{tmp_path / 'params.json'}", "--folds", "3"]
    runs = {}
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        assert train(capsys, tmp_path / f"{name}.json", *common, "--seed", seed)[0] == 0
        runs[name] = json.loads((tmp_path / f"{name}.json").read_text())
    assert runs["a"]["params"] == {"n_estimators": 25, "max_depth": 6}
    assert runs["a"]["per_fold"] == runs["b"]["per_fold"]
    assert runs["a"]["per_fold"] != runs["c"]["per_fold"]


@pytest.fixture(scope="session")
def bad_data(tmp_path_factory: pytest.TempPathFactory, breast_cancer: Path) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    frame = pd.read_csv(breast_cancer)
    frame.assign(target=1).to_csv(folder / "one_class.csv", index=False)
    with_nan = frame.copy()
    with_nan.loc[10, "mean area"] = np.nan
    with_nan.to_csv(folder / "nan.csv", index=False)
    (folder / "params.json").write_text('{"n_estimators": 10,}')
    return folder


BAD_INPUTS = {
    "missing data file": (["--data", "{bad}/absent.csv"], "--data: file not found"),
    "missing target": (["--target", "diagnosis"], "--target: column 'diagnosis' not found"),
    "unknown model": (["--model", "xgb"], "--model: unknown model 'xgb'"),
    "not a classifier": (["--model", "sklearn.svm.SVR"], "sklearn.svm.SVR is not a classifier"),
    "not an estimator": (["--model", "subprocess.Popen"], "is not a scikit-learn estimator"),
    "bad params json": (["--params", '{"n_estimators": 10'], "--params: invalid JSON at line 1"),
    "bad params file": (["--params", "@{bad}/params.json"], "params.json: invalid JSON"),
    "params not object": (["--params", "[10]"], "expected a JSON object"),
    "unknown param": (["--params", '{"n_trees": 10}'], "unexpected keyword argument 'n_trees'"),
    "bad param value": (["--params", '{"n_estimators": 0}'], "--params: random_forest rejected"),
    "lightgbm typo": (
        ["--model", "lightgbm", "--params", '{"num_leafs": 8}'],
        "lightgbm has no parameter 'num_leafs'",
    ),
    "xgboost typos": (
        ["--model", "xgboost", "--params", '{"n_trees": 5, "max_dept": 3}'],
        "--params: xgboost has no parameter 'max_dept', 'n_trees'",
    ),
    "xgboost bad value": (
        ["--model", "xgboost", "--params", '{"max_depth": -1}', "--refit", "{out}/m.joblib"],
        "--model: xgboost failed on fold 1 of 3: value -1 for Parameter max_depth should be"
        " greater equal to 0",
    ),
    "catboost typo": (
        ["--model", "catboost", "--params", '{"n_trees": 5}'],
        "--params: catboost rejected a parameter: CatBoostClassifier.__init__() got an"
        " unexpected keyword argument 'n_trees'",
    ),
    "catboost bad value": (
        ["--model", "catboost", "--params", '{"depth": 100}', "--refit", "{out}/m.joblib"],
        "--model: catboost failed on fold 1 of 3: Maximum tree depth is 16",
    ),
    "refit folder missing": (["--refit", "{bad}/absent/m.joblib"], "--refit: directory does not"),
    "refit over metrics": (["--refit", "{out}/metrics.json"], "is also the --output metrics file"),
    "one class": (["--data", "{bad}/one_class.csv"], "has only one class (1)"),
    "nan refused": (
        ["--data", "{bad}/nan.csv", "--model", "logistic_regression", "--refit", "{out}/m.jl"],
        "--model: logistic_regression failed on fold 1 of 3: Input X contains NaN."
        " (missing values in 1 column(s), first 'mean area')",
    ),
    "too many folds": (["--folds", "300"], "--folds: class 0 has only 212 row(s)"),
    "regression target": (["--target", "mean radius"], "holds fractional numbers"),
    "folds not a number": (["--folds", "five"], "argument --folds: invalid int value"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_one_line_exit_1_and_no_metrics(
    case: str, breast_cancer: Path, bad_data: Path, tmp_path: Path, capsys
) -> None:
    overrides, expected = BAD_INPUTS[case]
    options = {"--data": str(breast_cancer), "--target": "target", "--model": "random_forest"}
    options["--folds"] = "3"
    for flag, value in zip(overrides[::2], overrides[1::2], strict=True):
        options[flag] = value.replace("{bad}", str(bad_data)).replace("{out}", str(tmp_path))
    argv = [part for flag, value in options.items() for part in (flag, value)]
    output = tmp_path / "metrics.json"
    code, out, err = train(capsys, output, *argv)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("wonderland-trainer: error: ")
    assert expected in err
    assert list(tmp_path.iterdir()) == []  # neither metrics.json, a model nor a temporary file


def test_console_script_holds_back_native_output_of_a_failed_fit(
    breast_cancer: Path, tmp_path: Path
) -> None:
    # lightgbm's C++ core prints "[LightGBM] [Fatal] ..." to fd 2 before raising.
    script = Path(sys.executable).with_name("wonderland-trainer")
    output = tmp_path / "metrics.json"
    output.write_text("from an earlier run\n")
    argv = [str(script), "--data", str(breast_cancer), "--target", "target", "--model", "lightgbm"]
    argv += ["--params", '{"num_leaves": 1}', "--folds", "2", "--output", str(output)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "wonderland-trainer: error: --model: lightgbm failed on fold 1 of 2: Check failed"
    )
    assert done.stderr.count("\n") == 1
    assert output.read_text() == "from an earlier run\n"


def test_warnings_of_a_successful_run_are_shown_once(
    breast_cancer: Path, tmp_path: Path, capsys, recwarn: pytest.WarningsRecorder
) -> None:
    model = "sklearn.linear_model.LogisticRegression"  # unscaled, stopped early: warns each fold
    args = ["--data", str(breast_cancer), "--target", "target", "--model", model]
    code, _, _ = train(capsys, tmp_path / "m.json", *args, "--params", '{"max_iter": 2}')
    assert code == 0
    assert [w.category for w in recwarn] == [ConvergenceWarning]


def test_trainer_cwl_is_valid_and_installed_with_the_package() -> None:
    from cwltool.main import main as cwltool_main

    assert TRAINER_CWL.is_file()
    assert cwltool_main(["--quiet", "--validate", str(TRAINER_CWL)]) == 0
