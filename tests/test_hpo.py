"""`wonderland.client.hpo` on the real embedded engine: every algorithm records scored trials;
`parallel=2` keeps two trials in flight and refills each as it ends; failed trials are counted
and `max_failed` stops the study; bad input is refused before any trial runs and writes
nothing; the result as DataFrame, CSV, PNG and HTML; a study whose client was killed resumes
without rerunning its finished trials; the same study on a server over mutual TLS gets the same
trials as embedded.

Trials are kept few and cheap (logistic regression, small forests) — each is still a real
launch of the trainer through the engine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from servers import ServerProcess, make_pki

from wonderland.client import Client
from wonderland.client.hpo import (
    ALGOS,
    OptimizeError,
    StudyError,
    TrialState,
    WonderlandTrials,
    objective,
    optimize,
    parse_space,
)
from wonderland.client.hpo.optimizers import make_optimizer
from wonderland.trainer.datasets import dataset_frame

SPACE = {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True},
         "max_iter": {"type": "int", "low": 100, "high": 300}}
SPEED_SPACE = {"n_estimators": {"type": "categorical", "choices": [2, 400]}}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WONDERLAND_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep
                       + os.environ.get("PATH", ""))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("data") / "breast_cancer.csv"
    dataset_frame("breast-cancer").to_csv(path, index=False)
    return str(path)


def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


def launch_labels(url: str) -> list[tuple[int, str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(
                "SELECT pipeline_launch_id, key, value FROM launch_label ORDER BY 1, 2"))]
    finally:
        engine.dispose()


@pytest.mark.parametrize("algo", ALGOS)
def test_each_algorithm_records_scored_trials(algo: str, data: str, tmp_path: Path) -> None:
    result = optimize(SPACE, "logistic_regression", data, algo=algo, n_trials=3, parallel=2,
                      seed=3, db=db_url(tmp_path), study_name=f"each-{algo}")
    assert [r.number for r in result.ordered] == [0, 1, 2]
    assert all(r.state is TrialState.COMPLETE for r in result.records)
    for record in result.records:
        assert 0.01 <= record.params["C"] <= 10.0 and 100 <= record.params["max_iter"] <= 300
        assert isinstance(record.params["max_iter"], int)
        assert 0.9 < record.value <= 1.0 and record.value == record.metrics["roc_auc"]
    assert result.best_value == max(r.value for r in result.records)
    assert result.best_so_far()[-1] == result.best_value


def test_the_result_as_dataframe_csv_png_and_html(data: str, tmp_path: Path) -> None:
    result = optimize(SPACE, "logistic_regression", data, algo="tpe", n_trials=2, seed=1,
                      metric="log_loss", direction="minimize", db=db_url(tmp_path))
    frame = result.trials
    assert list(frame.columns[:3]) == ["number", "params_C", "params_max_iter"]
    assert list(frame["state"]) == ["COMPLETE", "COMPLETE"]
    assert result.best_value == frame["value"].min()
    csv = pd.read_csv(result.to_csv(tmp_path / "trials.csv"))
    assert list(csv["launch_id"]) == list(frame["launch_id"])
    png = result.plot_png(tmp_path / "convergence.png")
    assert png.startswith(b"\x89PNG") and (tmp_path / "convergence.png").read_bytes() == png
    page = Path(result.to_html(tmp_path / "report.html")).read_text()
    assert "data:image/png;base64," in page and "<script" not in page
    assert f"best log_loss {result.best_value:.6g}" in page


def test_two_in_flight_refilled_as_each_ends_not_in_lock_step(data: str,
                                                               tmp_path: Path) -> None:
    # a seed whose first two trials are one fast (2 trees) and one slow (400 trees)
    seed = next(s for s in range(50) if {
        p["n_estimators"] for _k, p, _pt in (lambda o: [o.ask(), o.ask()])(
            make_optimizer("random", parse_space(SPEED_SPACE), seed=s, parallel=2))} == {2, 400})
    result = optimize(SPEED_SPACE, "random_forest", data, algo="random", n_trials=4, parallel=2,
                      seed=seed, db=db_url(tmp_path))
    trials = result.ordered
    spans = [(r.created, r.finished) for r in trials]
    in_flight = [sum(1 for start, end in spans if start <= moment < end)
                 for moment, _ in spans]
    assert max(in_flight) == 2
    slow = next(r for r in trials[:2] if r.params["n_estimators"] == 400)
    fast = next(r for r in trials[:2] if r is not slow)
    # trial 2 was launched when the fast one ended, while the slow one still ran
    assert fast.finished <= trials[2].created < slow.finished


def test_failed_trials_are_counted_and_max_failed_stops_the_study(data: str,
                                                                   tmp_path: Path) -> None:
    space = {"C": {"type": "categorical", "choices": [-1.0, 1.0]}}
    result = optimize(space, "logistic_regression", data, algo="random", n_trials=4,
                      max_failed=4, seed=0, db=db_url(tmp_path))
    failed = [r for r in result.records if r.state is TrialState.FAILED]
    assert failed and all(r.params["C"] == -1.0 and r.value is None for r in failed)
    assert all("C" in r.error for r in failed), failed[0].error
    assert len(result.complete) == 4 - len(failed)

    always = {"C": {"type": "categorical", "choices": [-1.0]}}
    with pytest.raises(StudyError, match=r"2 trials failed \(max_failed=1\); trial 1 \(launch"):
        optimize(always, "logistic_regression", data, algo="random", n_trials=10,
                 max_failed=1, db=db_url(tmp_path), study_name="stops")
    assert len({launch for launch, _k, _v in launch_labels(db_url(tmp_path))
                if (_k, _v) == ("study", "stops")}) == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"space": {}}, "search space: expected a non-empty dict"),
    ({"space": {"C": {"type": "float", "low": 2, "high": 1}}}, "low (2) must be below high"),
    ({"space": {"C": {"kind": "float"}}}, "type must be one of"),
    ({"space": "missing.yaml"}, "missing.yaml: no such file"),
    ({"model": "no_such_model"}, "model: unknown model 'no_such_model'"),
    ({"metric": "auc"}, "metric: unknown metric 'auc'"),
    ({"algo": "bayes"}, "algo: unknown algorithm 'bayes'"),
    ({"target": "label"}, "no target column 'label'"),
    ({"data": "missing.csv"}, "missing.csv: no such file"),
    ({"one_class": True}, "holds 1 class(es)"),
    ({"n_trials": 0}, "n_trials: must be an integer of at least 1"),
    ({"seed": -4}, "seed: must be an integer of at least 0"),
])
def test_bad_input_is_refused_before_any_trial_and_writes_nothing(
        kwargs: dict, message: str, data: str, tmp_path: Path) -> None:
    arguments = {"space": SPACE, "model": "logistic_regression", "data": data}
    if kwargs.pop("one_class", False):
        frame = dataset_frame("breast-cancer")
        kwargs["data"] = frame[frame["target"] == 1]
    arguments.update(kwargs)
    with pytest.raises(OptimizeError) as caught:
        optimize(arguments.pop("space"), arguments.pop("model"), arguments.pop("data"),
                 db=db_url(tmp_path), **arguments)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "state.db").exists()


def test_a_hyperopt_space_is_refused_by_scikit_optimize(data: str, tmp_path: Path) -> None:
    from hyperopt import hp

    with pytest.raises(OptimizeError, match="algo 'gp' needs a plain search space"):
        optimize({"C": hp.loguniform("C", -3, 2)}, "logistic_regression", data, algo="gp",
                 db=db_url(tmp_path))


CLIENT_SCRIPT = textwrap.dedent("""\
    import json, sys
    from wonderland.client.hpo import optimize

    def ended(result):
        print("ended", len(result.records) - sum(r.state.value == "RUNNING"
                                                   for r in result.records), flush=True)

    if __name__ == "__main__":  # the embedded engine's forkserver imports this module again
        optimize(json.loads(sys.argv[3]), sys.argv[4], sys.argv[1], algo="tpe", n_trials=6,
                 parallel=2, seed=5, max_failed=6, study_name="killed", db=sys.argv[2],
                 progress=ended)
    """)
FOREST_SPACE = {"n_estimators": {"type": "int", "low": 100, "high": 300}}


def kill_client_after(ended: int, space: dict, model: str, data: str, tmp_path: Path) -> str:
    """Run a study in a client process and SIGKILL it, with its embedded engine, once `ended`
    trials ended (two more in flight); the database's URL."""
    script = tmp_path / "client.py"
    script.write_text(CLIENT_SCRIPT)
    url = db_url(tmp_path)
    client = subprocess.Popen([sys.executable, str(script), data, url, json.dumps(space), model],
                              stdout=subprocess.PIPE, text=True, start_new_session=True,
                              env=dict(os.environ))
    try:
        for line in client.stdout:
            if line.split() == ["ended", str(ended)]:
                break
        os.killpg(client.pid, signal.SIGKILL)
    finally:
        client.wait(60)
    assert client.returncode == -signal.SIGKILL
    return url


def test_a_study_of_a_killed_client_resumes_without_rerunning_finished_trials(
        data: str, tmp_path: Path) -> None:
    url = kill_client_after(2, FOREST_SPACE, "random_forest", data, tmp_path)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        before = dict(conn.execute(sa.text(
            "SELECT number, launch_id FROM study_trial WHERE state = 'COMPLETE'")).all())
    engine.dispose()
    assert len(before) >= 2

    result = optimize(FOREST_SPACE, "random_forest", data, algo="tpe", n_trials=6, parallel=2,
                      seed=5, max_failed=6, study_name="killed", db=url)
    assert [r.number for r in result.ordered] == list(range(6))
    assert all(r.state is TrialState.COMPLETE for r in result.records)
    assert {r.number: r.launch_id for r in result.records if r.number in before} == before
    launches_per_trial: dict[str, set[int]] = {}
    for launch, key, value in launch_labels(url):
        if key == "trial":
            launches_per_trial.setdefault(value, set()).add(launch)
    for number in before:  # a finished trial was never launched again
        assert launches_per_trial[str(number)] == {before[number]}
    assert len({r.launch_id for r in result.records}) == 6

    with pytest.raises(OptimizeError, match="exists with other settings \\(algo differ\\)"):
        optimize(FOREST_SPACE, "random_forest", data, algo="gp", n_trials=6,
                 study_name="killed", seed=5, max_failed=6, db=url)


def test_failed_launches_of_a_killed_client_are_counted_on_resume(data: str,
                                                                   tmp_path: Path) -> None:
    failing = {"C": {"type": "categorical", "choices": [-1.0, -2.0]}}
    url = kill_client_after(1, failing, "logistic_regression", data, tmp_path)
    # the launches in flight at the kill fail under the next engine, and count
    with pytest.raises(StudyError, match=r"trials failed \(max_failed=2\)") as stopped:
        optimize(failing, "logistic_regression", data, algo="tpe", n_trials=6, parallel=2,
                 seed=5, max_failed=2, study_name="killed", db=url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        states = list(conn.execute(sa.text("SELECT state FROM study_trial")).scalars())
    engine.dispose()
    failed = states.count("FAILED")  # the rest: launched after the kill, cancelled at the stop
    assert failed >= 3 and set(states) <= {"FAILED", "CANCELLED"}
    assert f"{failed} trials failed" in str(stopped.value)


def test_a_study_on_a_server_over_mutual_tls_gets_the_same_trials_as_embedded(
        data: str, tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    server = ServerProcess(tmp_path / "server", db_url(tmp_path / "server"), pki).start()
    try:
        alice = pki.users["alice"]
        with Client(server.address, ca=pki.ca.ca_cert, cert=alice.cert,
                    key=alice.key) as client:
            remote = optimize(SPACE, "logistic_regression", data, algo="gp", n_trials=3,
                              parallel=1, seed=11, client=client,
                              db=f"sqlite:///{tmp_path / 'studies.db'}")
    finally:
        server.stop()
    local = optimize(SPACE, "logistic_regression", data, algo="gp", n_trials=3, parallel=1,
                     seed=11, db=db_url(tmp_path))
    assert [(r.params, r.value) for r in remote.ordered] == [
        (r.params, r.value) for r in local.ordered]
    assert json.loads(remote.trials.drop(columns=["launch_id", "started", "finished",
                                                  "seconds"]).to_json()) == json.loads(
        local.trials.drop(columns=["launch_id", "started", "finished", "seconds"]).to_json())


def test_hyperopt_fmin_runs_its_trials_through_wonderland(data: str, tmp_path: Path) -> None:
    from hyperopt import fmin, hp, tpe

    trials = WonderlandTrials(model="logistic_regression", data=data, parallel=2,
                              db=db_url(tmp_path))
    best = fmin(fn=objective("roc_auc"), space={"C": hp.loguniform("C", -4, 2)},
                algo=tpe.suggest, max_evals=3, trials=trials, show_progressbar=False,
                rstate=np.random.default_rng(0))
    result = trials.result()
    assert len(trials.trials) == 3 and len(result.complete) == 3
    assert best["C"] == pytest.approx(result.best_params["C"])
    assert trials.best_trial["result"]["loss"] == -result.best_value

    with pytest.raises(OptimizeError, match="fn must be wonderland.client.hpo.objective"):
        fmin(fn=lambda params: 0.0, space={"C": hp.uniform("C", 0, 1)}, algo=tpe.suggest,
             max_evals=1, trials=WonderlandTrials(model="logistic_regression", data=data),
             show_progressbar=False)
