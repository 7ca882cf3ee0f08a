"""The workflow graph in Graphviz DOT: inputs, steps and outputs joined by their sources."""

from __future__ import annotations

import json

from cwltool.process import Process, shortname
from cwltool.utils import aslist
from cwltool.workflow import Workflow


def _node_of(source: str, step_ids: set[str]) -> str:
    owner = source.rsplit("/", 1)[0]
    return owner if owner in step_ids else source


def _edge(source: str, target: str) -> str:
    return f"  {json.dumps(source)} -> {json.dumps(target)};"


def to_dot(tool: Process) -> str:
    lines = ["digraph workflow {", "  rankdir=LR;"]
    if not isinstance(tool, Workflow):
        lines.append(f"  {json.dumps(shortname(tool.tool['id']))} [shape=box];")
        lines.append("}")
        return "\n".join(lines)
    step_ids = {step.id for step in tool.steps}
    for param in tool.tool["inputs"]:
        lines.append(f"  {json.dumps(param['id'])} [label={json.dumps(shortname(param['id']))}, "
                     "shape=ellipse, style=filled, fillcolor=\"#94DDF4\"];")
    for step in tool.steps:
        label = shortname(step.id) + (" (scatter)" if "scatter" in step.tool else "")
        lines.append(f"  {json.dumps(step.id)} [label={json.dumps(label)}, shape=box];")
        for param in step.tool["inputs"]:
            for source in aslist(param.get("source", [])):
                lines.append(_edge(_node_of(source, step_ids), step.id))
    for param in tool.tool["outputs"]:
        lines.append(f"  {json.dumps(param['id'])} [label={json.dumps(shortname(param['id']))}, "
                     "shape=ellipse, style=filled, fillcolor=\"#94DDF4\"];")
        for source in aslist(param.get("outputSource", [])):
            lines.append(_edge(_node_of(source, step_ids), param["id"]))
    lines.append("}")
    return "\n".join(lines)
