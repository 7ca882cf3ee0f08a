"""Search spaces: parsed from a plain dict (or a YAML file holding one) or taken as hyperopt
`hp.*` expressions, and converted to each optimizer library's own dimensions.

    {"n_estimators": {"type": "int", "low": 50, "high": 500},
     "learning_rate": {"type": "float", "low": 0.01, "high": 0.3, "log": true},
     "boosting_type": {"type": "categorical", "choices": ["gbdt", "dart"]}}

A plain space works with every algorithm; a hyperopt space (a dict whose values are `hp.*`
expressions, or one expression) only with the hyperopt ones.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from hyperopt import hp, pyll

from wonderland.client.hpo.errors import OptimizeError

KINDS = ("int", "float", "categorical")


@dataclass(frozen=True)
class Dimension:
    """One parameter: an int or float range (on a log scale with `log`), or a list of choices."""

    name: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[Any, ...] = ()

    def hyperopt(self) -> pyll.Apply:
        if self.kind == "categorical":
            return hp.choice(self.name, list(self.choices))
        if self.kind == "int":
            if self.log:
                return pyll.scope.int(hp.qloguniform(self.name, math.log(self.low),
                                                     math.log(self.high), 1))
            return pyll.scope.int(hp.uniformint(self.name, self.low, self.high))
        if self.log:
            return hp.loguniform(self.name, math.log(self.low), math.log(self.high))
        return hp.uniform(self.name, self.low, self.high)

    def skopt(self) -> Any:
        from skopt import space

        prior = "log-uniform" if self.log else "uniform"
        if self.kind == "categorical":
            return space.Categorical(list(self.choices), name=self.name)
        if self.kind == "int":
            return space.Integer(int(self.low), int(self.high), prior=prior, name=self.name)
        return space.Real(self.low, self.high, prior=prior, name=self.name)

    def optuna(self) -> Any:
        from optuna import distributions

        if self.kind == "categorical":
            return distributions.CategoricalDistribution(list(self.choices))
        if self.kind == "int":
            return distributions.IntDistribution(int(self.low), int(self.high), log=self.log)
        return distributions.FloatDistribution(self.low, self.high, log=self.log)


@dataclass(frozen=True)
class SearchSpace:
    """Either plain `dimensions` or a hyperopt `expression` (then `dimensions` is empty)."""

    dimensions: tuple[Dimension, ...] = ()
    expression: Any = None

    @property
    def is_hyperopt(self) -> bool:
        return self.expression is not None

    def describe(self) -> Any:
        """The space as plain JSON, to tell whether a stored study searched the same one."""
        if self.is_hyperopt:
            return str(pyll.as_apply(self.expression))
        return [{"name": d.name, "type": d.kind, "low": d.low, "high": d.high, "log": d.log,
                 "choices": list(d.choices)} for d in self.dimensions]

    def hyperopt(self) -> Any:
        if self.is_hyperopt:
            return self.expression
        return {d.name: d.hyperopt() for d in self.dimensions}

    def skopt(self, algo: str) -> list[Any]:
        return [d.skopt() for d in self.plain(algo)]

    def optuna(self, algo: str) -> dict[str, Any]:
        return {d.name: d.optuna() for d in self.plain(algo)}

    def plain(self, algo: str) -> tuple[Dimension, ...]:
        if self.is_hyperopt:
            raise OptimizeError(f"algo {algo!r} needs a plain search space (a dict of "
                                "{'type': ...} entries); hp.* expressions work only with "
                                "'tpe' and 'random'")
        return self.dimensions


def parse_space(space: Any) -> SearchSpace:
    """A SearchSpace from a dict, a YAML file's path, or hyperopt expressions; OptimizeError
    for an empty or malformed one."""
    if isinstance(space, str | os.PathLike):
        space = _load_yaml(os.fspath(space))
    if isinstance(space, pyll.Apply):
        return SearchSpace(expression=space)
    if not isinstance(space, Mapping) or not space:
        raise OptimizeError("search space: expected a non-empty dict of parameter names to "
                            f"{{'type': ...}} entries or hp.* expressions, got {space!r}")
    if any(isinstance(value, pyll.Apply) for value in space.values()):
        return SearchSpace(expression=dict(space))
    return SearchSpace(dimensions=tuple(_dimension(str(name), entry)
                                        for name, entry in space.items()))


def _load_yaml(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as exc:
        raise OptimizeError(f"search space {path}: {exc.strerror.lower()}") from None
    except yaml.YAMLError as exc:
        raise OptimizeError(f"search space {path}: not YAML ({' '.join(str(exc).split())})"
                            ) from None


def _dimension(name: str, entry: Any) -> Dimension:
    where = f"search space: {name!r}"
    if not isinstance(entry, Mapping):
        raise OptimizeError(f"{where}: expected {{'type': 'int'|'float'|'categorical', ...}}, "
                            f"got {entry!r}")
    kind = entry.get("type")
    if kind not in KINDS:
        raise OptimizeError(f"{where}: type must be one of {', '.join(KINDS)}, got {kind!r}")
    known = {"type", "choices"} if kind == "categorical" else {"type", "low", "high", "log"}
    unknown = sorted(set(entry) - known)
    if unknown:
        raise OptimizeError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} for "
                            f"type {kind} (allowed: {', '.join(sorted(known))})")
    if kind == "categorical":
        choices = entry.get("choices")
        if not isinstance(choices, list | tuple) or not choices:
            raise OptimizeError(f"{where}: choices must be a non-empty list")
        return Dimension(name, kind, choices=tuple(choices))
    low, high, log = entry.get("low"), entry.get("high"), entry.get("log", False)
    number = int if kind == "int" else (int, float)
    for key, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, number):
            raise OptimizeError(f"{where}: {key} must be a{'n' if kind == 'int' else ''} "
                                f"{kind}, got {value!r}")
    if not isinstance(log, bool):
        raise OptimizeError(f"{where}: log must be true or false, got {log!r}")
    if low >= high:
        raise OptimizeError(f"{where}: low ({low}) must be below high ({high})")
    if log and low <= 0:
        raise OptimizeError(f"{where}: a log scale needs low > 0, got {low}")
    return Dimension(name, kind, float(low), float(high), log)
