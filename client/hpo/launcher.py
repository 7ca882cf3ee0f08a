"""Trials as launches: each trial is one launch of the `trials.cwl` template with a batch of one
parameter set, labelled study=<name> and trial=<number>; `poll` tells which launches ended and
how (the metrics document of a success, the reason of a failure with the failed step's last
log line). The same code runs on an embedded engine and on a server.

`open_launcher` checks the model and the data before anything runs, makes the study's scratch
folder (the template copy, the data written as CSV, downloaded metrics), and starts an embedded
engine when no client is given (on `db`); it removes the folder and stops that engine at the end."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import yaml

from wonderland.client.client import Client
from wonderland.client.hpo.data import training_csv
from wonderland.client.hpo.errors import OptimizeError
from wonderland.protos import wonderland_pb2 as pb

TEMPLATE = "trials.cwl"
_ENDED = {pb.LAUNCH_STATUS_SUCCEEDED, pb.LAUNCH_STATUS_FAILED, pb.LAUNCH_STATUS_CANCELLED}


@dataclass(frozen=True)
class Outcome:
    """An ended trial launch: `metrics` when it succeeded, else `error`."""

    launch_id: int
    metrics: dict[str, Any] | None
    error: str
    created: datetime
    finished: datetime

    @property
    def seconds(self) -> float:
        return (self.finished - self.created).total_seconds()


def write_template(folder: str) -> str:
    """The template, with `run:` pointing at the installed trainer.cwl, written into
    `folder`; returns its path."""
    template = resources.files("wonderland.client.hpo") / TEMPLATE
    document = yaml.safe_load(template.read_text(encoding="utf-8"))
    trainer = resources.files("wonderland.trainer") / "trainer.cwl"
    document["steps"]["train"]["run"] = os.fspath(trainer)
    path = os.path.join(folder, TEMPLATE)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
    return path


class TrialLauncher:
    """Submits and follows the trials of one study on `client`."""

    def __init__(self, client: Client, folder: str, *, study: str, data: str, target: str,
                 model: str, folds: int, seed: int) -> None:
        self.client = client
        self.study = study
        self.data = data
        self._folder = folder
        self._workflow = write_template(folder)
        self._inputs = {"data": {"class": "File", "path": data}, "target": target,
                        "model": model, "folds": folds, "seed": seed}

    def submit(self, number: int, params: dict[str, Any]) -> int:
        """Launch trial `number` with `params`; returns the launch id."""
        launch = self.client.submit(
            self._workflow, {**self._inputs, "params": [json.dumps(params)]},
            name=f"{self.study}-trial-{number}",
            labels={"study": self.study, "trial": str(number)}, progress=False)
        return launch.id

    def find(self, number: int) -> int | None:
        """The newest launch of trial `number` that was not cancelled (one a dead client
        submitted before it could record the launch id), or None."""
        found = self.client.list(labels={"study": self.study, "trial": str(number)}, limit=1,
                                 statuses=("PENDING", "RUNNING", "SUCCEEDED", "FAILED"))
        return found[0].id if found else None

    def poll(self, launch_ids: list[int]) -> list[Outcome]:
        """The outcomes of those of `launch_ids` that have ended."""
        ended = []
        for launch_id in launch_ids:
            launch = self.client.get(launch_id)
            if launch.status in _ENDED:
                ended.append(self._outcome(launch))
        return ended

    def cancel(self, launch_ids: list[int]) -> None:
        for launch_id in launch_ids:
            self.client.cancel(launch_id)

    def _outcome(self, launch: pb.Launch) -> Outcome:
        metrics, error = None, ""
        if launch.status == pb.LAUNCH_STATUS_SUCCEEDED:
            outputs = self.client.outputs(launch.id, os.path.join(self._folder,
                                                                  f"launch-{launch.id}"))
            with open(outputs["metrics"][0]["path"], encoding="utf-8") as handle:
                metrics = json.load(handle)
        else:
            error = self._failure(launch)
        return Outcome(launch.id, metrics, error, _time(launch.created_at),
                       _time(launch.finished_at))

    def _failure(self, launch: pb.Launch) -> str:
        reason = launch.message or pb.LaunchStatus.Name(launch.status)
        for step in launch.steps:
            if step.status == pb.STEP_STATUS_FAILED:
                log = b"".join(self.client.logs(launch.id, step.name)).decode(errors="replace")
                lines = [line for line in log.splitlines() if line.strip()]
                if lines:
                    return f"{reason}: {lines[-1].strip()}"
        return reason


def _time(stamp: Any) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def check_model(model: str) -> None:
    """OptimizeError unless the trainer can build `model` (a name in its model table or a
    classifier's import path)."""
    from wonderland.trainer.errors import TrainerError
    from wonderland.trainer.models import build_model

    try:
        build_model(model, {}, 0)
    except TrainerError as exc:
        raise OptimizeError(f"model: {str(exc).removeprefix('--model: ')}") from None


def _trainer_on_path() -> None:
    """The embedded engine runs `wonderland-trainer` from PATH; a notebook kernel of a virtual
    environment often lacks that environment's bin folder, where the trainer is installed."""
    if shutil.which("wonderland-trainer") is None:
        folder = os.path.dirname(sys.executable)
        if os.path.exists(os.path.join(folder, "wonderland-trainer")):
            os.environ["PATH"] = os.pathsep.join([folder, os.environ.get("PATH", "")])


@contextlib.contextmanager
def open_launcher(*, model: str, data: Any, target: str, folds: int, seed: int,
                  client: Client | None, study_name: str | None, parallel: int,
                  db: str | None = None) -> Iterator[TrialLauncher]:
    """A TrialLauncher for one study, with everything checked first."""
    check_model(model)
    if folds < 2:
        raise OptimizeError(f"folds: must be at least 2, got {folds}")
    study = study_name or f"study-{uuid.uuid4().hex[:8]}"
    folder = tempfile.mkdtemp(prefix=f"wonderland-{study}-")
    try:
        csv = training_csv(data, target, folds, folder)
        with contextlib.ExitStack() as stack:
            if client is None:
                _trainer_on_path()
                client = stack.enter_context(
                    Client.embedded(db=db, max_launches=max(4, parallel)))
            yield TrialLauncher(client, folder, study=study, data=csv, target=target,
                                model=model, folds=folds, seed=seed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
