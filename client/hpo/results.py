"""What a study found: every trial (one trial-state enum for all optimizers), the best one, the
trial table as a pandas DataFrame or CSV file, and the convergence plot (best score so far by
trial) as a PNG file and as a self-contained HTML page (the PNG inline, no scripts)."""

from __future__ import annotations

import base64
import enum
import html
import io
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from wonderland.client.hpo.launcher import Outcome
from wonderland.client.hpo.objective import Objective


class TrialState(enum.Enum):
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


@dataclass
class TrialRecord:
    """One trial: its parameters, its launch, and once it ended its value or error."""

    number: int
    params: dict[str, Any]
    launch_id: int
    state: TrialState = TrialState.RUNNING
    value: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    error: str = ""
    created: datetime | None = None
    finished: datetime | None = None

    def finish(self, outcome: Outcome, objective: Objective) -> None:
        """Record how its launch ended: COMPLETE with the objective's value, or FAILED."""
        self.created, self.finished = outcome.created, outcome.finished
        if outcome.metrics is None:
            self.state, self.error = TrialState.FAILED, outcome.error
        else:
            self.state = TrialState.COMPLETE
            self.metrics = dict(outcome.metrics["mean"])
            self.value = objective.value(outcome.metrics)

    @property
    def seconds(self) -> float | None:
        if self.created is None or self.finished is None:
            return None
        return (self.finished - self.created).total_seconds()


@dataclass
class StudyResult:
    """The trials of study `name`, optimizing `objective`."""

    name: str
    objective: Objective
    records: list[TrialRecord]

    @property
    def best_trial(self) -> TrialRecord | None:
        best = None
        for record in self.complete:
            if best is None or self.objective.better(record.value, best.value):
                best = record
        return best

    @property
    def best_params(self) -> dict[str, Any] | None:
        return None if self.best_trial is None else self.best_trial.params

    @property
    def best_value(self) -> float | None:
        return None if self.best_trial is None else self.best_trial.value

    @property
    def complete(self) -> list[TrialRecord]:
        return [r for r in self.records if r.state is TrialState.COMPLETE]

    @property
    def ordered(self) -> list[TrialRecord]:
        return sorted(self.records, key=lambda r: r.number)

    @property
    def trials(self) -> pd.DataFrame:
        """One row per trial: number, params_<name>..., value, state, seconds, launch_id,
        started, finished, error."""
        rows = [{"number": r.number,
                 **{f"params_{name}": value for name, value in r.params.items()},
                 "value": r.value, "state": r.state.value, "seconds": r.seconds,
                 "launch_id": r.launch_id, "started": r.created, "finished": r.finished,
                 "error": r.error} for r in self.ordered]
        return pd.DataFrame(rows)

    def best_so_far(self) -> list[float | None]:
        """For each trial in `ordered`, the best value up to it (None before the first)."""
        best: float | None = None
        curve = []
        for record in self.ordered:
            if record.value is not None and (
                    best is None or self.objective.better(record.value, best)):
                best = record.value
            curve.append(best)
        return curve

    def to_csv(self, path: str | os.PathLike[str]) -> str:
        self.trials.to_csv(path, index=False)
        return os.fspath(path)

    def plot_png(self, path: str | os.PathLike[str] | None = None) -> bytes:
        """The convergence plot as PNG bytes, also written to `path` if given."""
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        figure = Figure(figsize=(6, 3.6), dpi=100)
        axes = figure.subplots()
        numbers = [r.number for r in self.complete]
        axes.scatter(numbers, [r.value for r in self.complete], s=14, color="0.6",
                     label="trial")
        axes.step([r.number for r in self.ordered], self.best_so_far(), where="post",
                  color="tab:blue", label="best so far")
        axes.set_xlabel("trial")
        axes.set_ylabel(f"{self.objective.metric} ({self.objective.direction})")
        axes.set_title(f"study {self.name}")
        axes.legend(loc="best")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        data = buffer.getvalue()
        if path is not None:
            with open(path, "wb") as handle:
                handle.write(data)
        return data

    def to_html(self, path: str | os.PathLike[str]) -> str:
        """A page with the best trial, the convergence plot and the trial table."""
        image = base64.b64encode(self.plot_png()).decode("ascii")
        best = self.best_trial
        summary = ("no trial completed" if best is None else
                   f"best {html.escape(self.objective.metric)} {best.value:.6g} (trial "
                   f"{best.number}, launch {best.launch_id}): "
                   f"{html.escape(str(best.params))}")
        page = (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>study {html.escape(self.name)}</title></head><body>\n"
            f"<h1>study {html.escape(self.name)}</h1>\n<p>{summary}</p>\n"
            f"<img alt=\"convergence\" src=\"data:image/png;base64,{image}\">\n"
            f"{self.trials.to_html(index=False, na_rep='')}\n</body></html>\n")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(page)
        return os.fspath(path)
