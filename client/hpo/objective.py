"""What a study optimizes: one of the trainer's metrics (its mean over the folds), maximized or
minimized. Optimizers minimize a loss; `loss` turns a metrics document into one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wonderland.client.hpo.errors import OptimizeError

DIRECTIONS = ("maximize", "minimize")


@dataclass(frozen=True)
class Objective:
    """The trainer's mean `metric`, in `direction`. Made by `objective()`, which checks both."""

    metric: str = "roc_auc"
    direction: str = "maximize"

    def value(self, metrics: dict[str, Any]) -> float:
        """The metric's mean over the folds in a trainer metrics document."""
        return float(metrics["mean"][self.metric])

    def loss(self, value: float) -> float:
        return -value if self.direction == "maximize" else value

    def better(self, value: float, than: float) -> bool:
        return value > than if self.direction == "maximize" else value < than


def objective(metric: str = "roc_auc", direction: str = "maximize") -> Objective:
    """An Objective on a metric the trainer reports; OptimizeError otherwise."""
    from wonderland.trainer.evaluate import METRICS

    if metric not in METRICS:
        raise OptimizeError(f"metric: unknown metric {metric!r}; the trainer reports "
                            f"{', '.join(METRICS)}")
    if direction not in DIRECTIONS:
        raise OptimizeError(f"direction: must be {' or '.join(DIRECTIONS)}, got {direction!r}")
    return Objective(metric, direction)
