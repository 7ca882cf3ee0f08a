"""A study written down: the YAML file of `wonderland optimize SPEC.yaml`.

    model: lightgbm
    data: breast_cancer.csv        # relative paths are relative to this file
    target: target
    metric: roc_auc                # direction: maximize (or minimize)
    algo: gp                       # n_trials, parallel, seed, timeout, max_failed, folds
    study: lightgbm-gp             # a name to resume it by; output: the report folder
    space:
      n_estimators: {type: int, low: 20, high: 200}
      learning_rate: {type: float, low: 0.01, high: 0.3, log: true}

`load_spec` checks the keys and their types, applies the command line's overrides, and returns
the keyword arguments of `optimize` plus the output folder.
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from wonderland.client.hpo.errors import OptimizeError

# key: (type, required); `study` and `output` map to study_name and the report folder
KEYS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "space": ((dict, str), True), "model": (str, True), "data": (str, True),
    "target": (str, False), "metric": (str, False), "direction": (str, False),
    "algo": (str, False), "n_trials": (int, False), "parallel": (int, False),
    "seed": (int, False), "timeout": ((int, float), False), "max_failed": (int, False),
    "folds": (int, False), "study": (str, False), "output": (str, False), "db": (str, False),
}
PATHS = ("data", "output")


def _read(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            spec = yaml.safe_load(handle)
    except OSError as exc:
        raise OptimizeError(f"{path}: {(exc.strerror or str(exc)).lower()}") from None
    except yaml.YAMLError as exc:
        raise OptimizeError(f"{path}: not YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(spec, dict):
        raise OptimizeError(f"{path}: expected a mapping of study settings, got "
                            f"{type(spec).__name__}")
    return spec


def load_spec(path: str, overrides: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(`optimize` keyword arguments, output folder) from the spec at `path` and `overrides`
    (command-line values; None means not given)."""
    spec = _read(path)
    base = os.path.dirname(os.path.abspath(path))
    for key in PATHS:  # relative to the spec file, as CWL job files are
        if isinstance(spec.get(key), str):
            spec[key] = os.path.join(base, os.path.expanduser(spec[key]))
    if isinstance(spec.get("space"), str):
        spec["space"] = os.path.join(base, spec["space"])
    spec.update({key: value for key, value in overrides.items() if value is not None})
    unknown = sorted(set(spec) - set(KEYS))
    if unknown:
        raise OptimizeError(f"{path}: unknown key(s) {', '.join(unknown)} (known: "
                            f"{', '.join(KEYS)})")
    for key, (kind, required) in KEYS.items():
        if key not in spec:
            if required:
                raise OptimizeError(f"{path}: {key}: missing")
            continue
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            names = "/".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise OptimizeError(f"{path}: {key}: expected {names}, got {value!r}")
    output = spec.pop("output", None) or os.path.abspath(
        f"hpo-{spec.get('study') or os.path.splitext(os.path.basename(path))[0]}")
    if "study" in spec:
        spec["study_name"] = spec.pop("study")
    return spec, output
