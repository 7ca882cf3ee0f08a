"""Workflow-level CWL semantics: how a step's inputs are gathered from its sources
(`linkMerge`, `pickValue`, `default`), how scatter splits them (`dotproduct`,
`nested_crossproduct`, `flat_crossproduct`), how `valueFrom` and `when` are evaluated,
and how scattered results are put back together.

Pure functions over plain values; the scheduler owns the state they are applied to.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cwl_utils import expression
from cwl_utils.errors import WorkflowException
from cwltool.builder import content_limit_respected_read
from cwltool.process import shortname
from cwltool.stdfsaccess import StdFsAccess
from cwltool.utils import adjustDirObjs, aslist, get_listing


def sources_of(param: Mapping[str, Any], field: str) -> list[str]:
    return aslist(param.get(field, []))


def gather(
    params: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any],
    field: str,
    *,
    key: Callable[[str], str] = lambda ident: ident,
) -> dict[str, Any]:
    """Values for `params` (step inputs, or workflow outputs with field='outputSource')."""
    gathered: dict[str, Any] = {}
    for param in params:
        ident = key(param["id"])
        sources = sources_of(param, field)
        if sources:
            merge = param.get("linkMerge", "merge_nested" if len(sources) > 1 else None)
            value = _merge([values.get(src) for src in sources], merge)
            if "pickValue" in param:
                value = _pick(value, param["pickValue"], shortname(param["id"]))
        else:
            value = None
        if value is None and "default" in param:
            value = copy.deepcopy(param["default"])
        gathered[ident] = value
    return gathered


def _merge(found: list[Any], merge: str | None) -> Any:
    if merge is None:
        return copy.deepcopy(found[0])
    if merge == "merge_nested":
        return copy.deepcopy(found)
    if merge == "merge_flattened":
        flat: list[Any] = []
        for item in found:
            flat.extend(item if isinstance(item, list) else [item])
        return copy.deepcopy(flat)
    raise WorkflowException(f"unknown linkMerge {merge!r}")


def _pick(value: Any, method: str, name: str) -> Any:
    if not isinstance(value, list):
        return value
    present = [item for item in value if item is not None]
    if method == "all_non_null":
        return present
    if not present:
        raise WorkflowException(f"all sources for '{name}' are null ({method})")
    if method == "the_only_non_null" and len(present) > 1:
        raise WorkflowException(
            f"expected only one source for '{name}' to be non-null, got {len(present)}"
        )
    if method in ("first_non_null", "the_only_non_null"):
        return present[0]
    raise WorkflowException(f"unknown pickValue {method!r}")


# -- scatter ---------------------------------------------------------------------------------


def scatter_shape(inputs: Mapping[str, Any], keys: Sequence[str], method: str | None) -> list[int]:
    """The dimensions of the scatter: one for dot/flat products, one per key when nested."""
    lengths = []
    for ident in keys:
        value = inputs[ident]
        if not isinstance(value, list):
            raise WorkflowException(f"scatter input '{shortname(ident)}' is not an array")
        lengths.append(len(value))
    if method in (None, "dotproduct"):
        if len(set(lengths)) > 1:
            raise WorkflowException(
                "dotproduct scatter needs arrays of equal length, got "
                + ", ".join(f"{shortname(k)}={n}" for k, n in zip(keys, lengths, strict=True))
            )
        return [lengths[0] if lengths else 0]
    if method == "flat_crossproduct":
        return [math.prod(lengths)]
    if method == "nested_crossproduct":
        return lengths
    raise WorkflowException(f"unknown scatterMethod {method!r}")


def scatter_elements(
    inputs: Mapping[str, Any], keys: Sequence[str], method: str | None
) -> list[dict[str, Any]]:
    """The input object of every scattered job, in the order of the flattened output."""
    if method in (None, "dotproduct"):
        count = scatter_shape(inputs, keys, method)[0]
        combos: Any = ((i,) * len(keys) for i in range(count))
    else:
        scatter_shape(inputs, keys, method)
        combos = itertools.product(*(range(len(inputs[k])) for k in keys))
    elements = []
    for combo in combos:
        element = dict(inputs)
        for ident, index in zip(keys, combo, strict=True):
            element[ident] = inputs[ident][index]
        elements.append(element)
    return elements


def nest(flat: list[Any], shape: Sequence[int]) -> Any:
    """Turn the flat list of scattered results into nested lists of `shape`."""
    if len(shape) <= 1:
        return flat
    size = math.prod(shape[1:])
    return [nest(flat[i * size : (i + 1) * size], shape[1:]) for i in range(shape[0])]


# -- valueFrom and when ------------------------------------------------------------------------


class StepEvaluator:
    """Evaluates `valueFrom` and `when` of one step with its workflow's requirements."""

    def __init__(self, step_tool: Mapping[str, Any], requirements: list, settings: Any) -> None:
        self.inputs = step_tool["inputs"]
        self.value_from = {p["id"]: p["valueFrom"] for p in self.inputs if "valueFrom" in p}
        self.load_contents = {p["id"] for p in self.inputs if p.get("loadContents")}
        self.when = step_tool.get("when")
        self.requirements = requirements
        self.settings = settings
        self.fs_access = StdFsAccess("")

    def _eval(self, expr: Any, inputs: dict[str, Any], context: Any = None) -> Any:
        return expression.do_eval(
            expr,
            inputs,
            self.requirements,
            None,
            None,
            {},
            context=context,
            debug=self.settings.debug,
            js_console=False,
            timeout=self.settings.eval_timeout,
        )

    def evaluate(self, element: dict[str, Any]) -> dict[str, Any] | None:
        """The element's inputs after valueFrom, or None when `when` says skip."""
        for ident in self.load_contents:
            if element.get(ident) is not None:
                for item in aslist(element[ident]):
                    if item.get("contents") is None:
                        with self.fs_access.open(item["location"], "rb") as handle:
                            item["contents"] = content_limit_respected_read(handle)
        if self.value_from:
            short = {shortname(k): v for k, v in element.items()}
            evaluated = dict(element)
            for ident, expr in self.value_from.items():
                value = element.get(ident)
                adjustDirObjs(value, lambda d: get_listing(self.fs_access, d, recursive=True))
                evaluated[ident] = self._eval(expr, short, context=value)
            element = evaluated
        if self.when is not None:
            decision = self._eval(self.when, {shortname(k): v for k, v in element.items()})
            if decision is False:
                return None
            if decision is not True:
                raise WorkflowException(
                    f"'when' must evaluate to true or false, got {decision!r}"
                )
        return element


def tool_inputs(step_inputs: Sequence[Mapping[str, Any]], element: Mapping[str, Any]) -> dict:
    """The input object of the step's process: short names, unconnected step inputs left out."""
    return {
        shortname(p["id"]): element.get(p["id"])
        for p in step_inputs
        if not p.get("not_connected")
    }
