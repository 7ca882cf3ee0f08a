"""CWL documents and input objects for the engine benchmarks, generated into a folder.

Three shapes, all built from one trivial CommandLineTool that writes a tiny stdout file:

- `single_tool`: the tool alone, run as the main process (the fixed cost of one run);
- `scatter`: a workflow scattering the tool over an int array of `n` elements;
- `chain`: a workflow of `n` steps where each step reads the previous step's output file.

Each writer returns a `Case`: the paths to hand to a runner, how many output files a correct
run produces, and a check of the printed output object that raises `WrongOutputs` when a run
did not produce what the document asks for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CWL_VERSION = "v1.2"
SEED_TEXT = "wonderland bench seed\n"


class WrongOutputs(Exception):
    """A run exited 0 but its outputs are not the ones the document asks for."""


@dataclass(frozen=True)
class Case:
    """One benchmark input: a CWL document, its input object, and how to check a run of it."""

    name: str
    steps: int
    workflow: str
    job: str
    expected_files: int
    check: Callable[[dict[str, Any]], None]


def _echo_tool() -> dict[str, Any]:
    """`echo <i>` into a file named after `i`."""
    return {
        "cwlVersion": CWL_VERSION,
        "class": "CommandLineTool",
        "baseCommand": "echo",
        "inputs": {"i": {"type": "int", "inputBinding": {"position": 1}}},
        "stdout": "echo_$(inputs.i).txt",
        "outputs": {"out": {"type": "stdout"}},
    }


def _cat_tool() -> dict[str, Any]:
    """`cat <prev>` into a file whose name the step chooses."""
    return {
        "cwlVersion": CWL_VERSION,
        "class": "CommandLineTool",
        "baseCommand": "cat",
        "inputs": {
            "prev": {"type": "File", "inputBinding": {"position": 1}},
            "name": "string",
        },
        "stdout": "$(inputs.name)",
        "outputs": {"out": {"type": "stdout"}},
    }


def _write_json(path: str, document: dict[str, Any]) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
    return path


def _file_path(value: Any, where: str) -> str:
    if not isinstance(value, dict) or value.get("class") != "File":
        raise WrongOutputs(f"{where}: expected a File, got {value!r:.200}")
    path = value.get("path")
    if not path:
        location = value.get("location", "")
        if not location.startswith("file://"):
            raise WrongOutputs(f"{where}: File has no local path ({location!r})")
        path = location[len("file://"):]
    return path


def _read(value: Any, where: str) -> str:
    path = _file_path(value, where)
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise WrongOutputs(f"{where}: cannot read output file {path}: {exc.strerror}") from exc


def single_tool(folder: str) -> Case:
    """The echo tool run on its own, with i = 7."""
    workflow = _write_json(os.path.join(folder, "single_tool.cwl"), _echo_tool())
    job = _write_json(os.path.join(folder, "single_tool.job.json"), {"i": 7})

    def check(outputs: dict[str, Any]) -> None:
        if _read(outputs.get("out"), "out") != "7\n":
            raise WrongOutputs("out: the file does not hold the echoed 7")

    return Case("single tool", 1, workflow, job, 1, check)


def scatter(folder: str, n: int) -> Case:
    """A workflow that scatters the echo tool over [0, n)."""
    document = {
        "cwlVersion": CWL_VERSION,
        "class": "Workflow",
        "requirements": {"ScatterFeatureRequirement": {}},
        "inputs": {"numbers": "int[]"},
        "outputs": {"outs": {"type": "File[]", "outputSource": "echo/out"}},
        "steps": {
            "echo": {
                "run": _echo_tool(),
                "scatter": "i",
                "in": {"i": "numbers"},
                "out": ["out"],
            }
        },
    }
    workflow = _write_json(os.path.join(folder, f"scatter_{n}.cwl"), document)
    job = _write_json(os.path.join(folder, f"scatter_{n}.job.json"), {"numbers": list(range(n))})

    def check(outputs: dict[str, Any]) -> None:
        outs = outputs.get("outs")
        if not isinstance(outs, list) or len(outs) != n:
            got = len(outs) if isinstance(outs, list) else type(outs).__name__
            raise WrongOutputs(f"outs: expected {n} files, got {got}")
        for index, value in enumerate(outs):
            if _read(value, f"outs[{index}]") != f"{index}\n":
                raise WrongOutputs(f"outs[{index}]: the file does not hold {index}")

    return Case(f"scatter {n}", n, workflow, job, n, check)


def chain(folder: str, n: int) -> Case:
    """A workflow of n cat steps, step k reading step k-1's output; every step's file is an
    output of the workflow so that a run that skipped a step is caught."""
    seed = os.path.join(folder, "chain_seed.txt")
    with open(seed, "w", encoding="utf-8") as handle:
        handle.write(SEED_TEXT)
    steps: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for k in range(1, n + 1):
        steps[f"step_{k}"] = {
            "run": "#cat",
            "in": {
                "prev": "seed" if k == 1 else f"step_{k - 1}/out",
                "name": {"default": f"step_{k}.txt"},
            },
            "out": ["out"],
        }
        outputs[f"out_{k}"] = {"type": "File", "outputSource": f"step_{k}/out"}
    document = {
        "cwlVersion": CWL_VERSION,
        "$graph": [
            {**_cat_tool(), "id": "cat"},
            {
                "class": "Workflow",
                "id": "main",
                "inputs": {"seed": "File"},
                "outputs": outputs,
                "steps": steps,
            },
        ],
    }
    workflow = _write_json(os.path.join(folder, f"chain_{n}.cwl"), document) + "#main"
    job = _write_json(
        os.path.join(folder, f"chain_{n}.job.json"), {"seed": {"class": "File", "path": seed}}
    )

    def check(result: dict[str, Any]) -> None:
        for k in range(1, n + 1):
            if _read(result.get(f"out_{k}"), f"out_{k}") != SEED_TEXT:
                raise WrongOutputs(f"out_{k}: the file does not hold the seed's text")

    return Case(f"chain {n}", n, workflow, job, n, check)
