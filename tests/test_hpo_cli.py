"""`wonderland optimize SPEC.yaml` in a subprocess, as a user runs it: the reports in the output
folder and the best trial as JSON; options over the spec; a progress bar with the best score
only on a terminal; a study resumed by name; and every bad input one line on stderr, exit
code 1, before any trial runs and without an output folder."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wonderland.trainer.datasets import dataset_frame

TIMEOUT = 300
SPEC = {
    "model": "logistic_regression",
    "data": "data.csv",
    "metric": "roc_auc",
    "algo": "tpe",
    "n_trials": 2,
    "parallel": 2,
    "seed": 4,
    "study": "cli-study",
    "output": "report",
    "space": {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}},
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dataset_frame("breast-cancer").to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(SPEC))
    return tmp_path


def env(folder: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment["WONDERLAND_HOME"] = str(folder / "home")
    environment["PATH"] = os.path.dirname(sys.executable) + os.pathsep + environment["PATH"]
    return environment


def optimize(folder: Path, *args: str, stderr=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wonderland.engine.cli", "optimize", *args,
         "--db", f"sqlite:///{folder / 'state.db'}"], cwd=folder, env=env(folder),
        stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True,
        timeout=TIMEOUT)


def test_writes_the_reports_and_prints_the_best_trial(folder: Path) -> None:
    done = optimize(folder, "spec.yaml")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar off a terminal
    best = json.loads(done.stdout)
    report = folder / "report"
    assert json.loads((report / "best.json").read_text()) == best
    assert (best["study"], best["metric"], best["trials"], best["complete"]) == (
        "cli-study", "roc_auc", 2, 2)
    trials = pd.read_csv(report / "trials.csv")
    assert best["best_value"] == trials["value"].max()
    assert best["best_params"]["C"] == trials.loc[trials["value"].idxmax(), "params_C"]
    assert (report / "convergence.png").read_bytes().startswith(b"\x89PNG")
    assert "cli-study" in (report / "report.html").read_text()

    again = optimize(folder, "spec.yaml", "--n-trials", "3")  # the same study goes on
    assert again.returncode == 0, again.stderr
    resumed = pd.read_csv(report / "trials.csv")
    assert list(resumed["number"]) == [0, 1, 2]
    assert list(resumed["launch_id"][:2]) == list(trials["launch_id"])


def test_options_override_the_spec(folder: Path) -> None:
    done = optimize(folder, "spec.yaml", "--algo", "random", "--n-trials", "1", "--study",
                    "other", "--metric", "accuracy", "--output", "elsewhere")
    assert done.returncode == 0, done.stderr
    best = json.loads(done.stdout)
    assert (best["study"], best["metric"], best["trials"]) == ("other", "accuracy", 1)
    assert (folder / "elsewhere" / "trials.csv").exists() and not (folder / "report").exists()


def test_progress_bar_with_the_best_score_on_a_terminal(folder: Path) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wonderland.engine.cli", "optimize", "spec.yaml",
         "--n-trials", "2", "--db", f"sqlite:///{folder / 'state.db'}"], cwd=folder,
        env=env(folder), stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=TIMEOUT)
    os.close(leader)
    assert proc.returncode == 0
    text = seen.decode()
    assert "2/2" in text and "best roc_auc 0.9" in text


def spec_with(folder: Path, **changes) -> str:
    spec = {**SPEC, **changes}
    (folder / "bad.yaml").write_text(yaml.safe_dump({k: v for k, v in spec.items()
                                                     if v is not None}))
    return "bad.yaml"


BAD = {
    "empty space": ({"space": {}}, "search space: expected a non-empty dict"),
    "malformed space": ({"space": {"C": {"type": "float", "low": "x", "high": 1}}},
                        "'C': low must be a float, got 'x'"),
    "unknown model": ({"model": "svm"}, "model: unknown model 'svm'"),
    "unknown metric": ({"metric": "auc"}, "metric: unknown metric 'auc'"),
    "unknown algo": ({"algo": "bayes"}, "algo: unknown algorithm 'bayes'"),
    "missing target": ({"target": "label"}, "no target column 'label'"),
    "one class": ({"data": "one_class.csv"}, "holds 1 class(es)"),
    "missing data": ({"data": "nowhere.csv"}, "nowhere.csv: no such file"),
    "missing key": ({"model": None}, "model: missing"),
    "unknown key": ({"trials": 3}, "unknown key(s) trials"),
    "wrong type": ({"n_trials": "many"}, "n_trials: expected int, got 'many'"),
    "negative seed": ({"seed": -4}, "seed: must be an integer of at least 0"),
    "unwritable output": ({"output": "/proc/no-such-folder"}, "/proc/no-such-folder"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_one_line_and_exit_1_before_any_trial(folder: Path, case: str) -> None:
    changes, message = BAD[case]
    frame = dataset_frame("breast-cancer")
    frame[frame["target"] == 0].to_csv(folder / "one_class.csv", index=False)
    done = optimize(folder, spec_with(folder, **changes))
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wonderland optimize: "), done.stderr
    assert message in lines[0]
    assert not (folder / "report").exists() and not (folder / "state.db").exists()


@pytest.mark.parametrize(("text", "message"), [
    (None, "missing.yaml: no such file or directory"),
    ("model: [unclosed", "not YAML"),
    ("- a list", "expected a mapping of study settings"),
])
def test_a_bad_spec_file_is_one_line(folder: Path, text: str | None, message: str) -> None:
    if text is not None:
        (folder / "missing.yaml").write_text(text)
    done = optimize(folder, "missing.yaml")
    assert done.returncode == 1 and message in done.stderr
    assert len(done.stderr.splitlines()) == 1
