"""Loading a CWL document and its job order with cwltool, as `cwltool` itself would.

`load_workflow` returns the validated process object, the packed document (what a launch
stores) and digests that identify the document and the inputs for resuming.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import io
import json
import os
from typing import Any

import cwltool.main
from cwltool.context import LoadingContext, RuntimeContext
from cwltool.load_tool import (
    fetch_document,
    make_tool,
    resolve_and_validate_document,
    resolve_tool_uri,
)
from cwltool.process import Process
from cwltool.utils import visit_class
from cwltool.workflow import Workflow, WorkflowStep
from schema_salad.exceptions import ValidationException
from schema_salad.ref_resolver import uri_file_path

from wonderland.cwl import schema_cache
from wonderland.cwl.errors import locate_ids


@dataclasses.dataclass
class LoadedWorkflow:
    tool: Process
    uri: str
    loading_context: LoadingContext
    job_order: dict[str, Any] | None = None
    input_basedir: str = ""

    def sources(self) -> dict[str, Any]:
        """The text of every document file the workflow was loaded from, by URI: what a launch
        records to be rerun exactly (cwltool's `pack` would give one document, but costs
        about as much as loading again)."""
        loader = self.loading_context.loader
        texts: dict[str, str] = {}
        for uri in loader.idx:
            if "#" in uri or uri.startswith("https://w3id.org/cwl/") or uri.startswith("_:"):
                continue
            if uri.startswith("file://"):
                try:
                    with open(uri_file_path(uri), encoding="utf-8") as handle:
                        texts[uri] = handle.read()
                except (OSError, UnicodeDecodeError):
                    continue
            elif isinstance(loader.fetcher.cache.get(uri), str):
                texts[uri] = loader.fetcher.cache[uri]
        return {"main": self.uri, "sources": dict(sorted(texts.items()))}


def _loader_args(workflow: str, job_order: list[str], debug: bool) -> argparse.Namespace:
    """The subset of cwltool's command-line namespace that its loading helpers read."""
    parser = cwltool.main.arg_parser()
    args = parser.parse_args(["--debug"] if debug else [])
    args.workflow = workflow
    args.job_order = job_order
    args.basedir = None
    args.tool_help = False
    return args


def load_workflow(
    workflow: str, job_order: list[str], *, debug: bool = False, with_inputs: bool = True
) -> LoadedWorkflow:
    """Load and validate `workflow`; job order arguments are a file or tool options.

    Without `with_inputs` (validating, drawing the graph) the inputs are not read."""
    schema_cache.restore()
    args = _loader_args(workflow, job_order, debug)
    runtime_context = RuntimeContext(vars(args))
    loading_context = cwltool.main.setup_loadingContext(None, runtime_context, args)
    loading_context.disable_js_validation = True
    loading_context.relax_path_checks = True  # file names with spaces or '#' are fine
    uri, tool_file_uri = resolve_tool_uri(
        workflow,
        resolver=loading_context.resolver,
        fetcher_constructor=loading_context.fetcher_constructor,
    )
    job_order_object, input_basedir, jobloader = None, os.getcwd(), None
    if with_inputs:
        job_order_object, input_basedir, jobloader = _read_job_order(
            args, loading_context, tool_file_uri
        )
    loading_context, workflowobj, uri = fetch_document(uri, loading_context)
    loading_context, uri = resolve_and_validate_document(loading_context, workflowobj, uri)
    try:
        tool = make_tool(uri, loading_context)
    except ValidationException as exc:
        located = locate_ids(str(exc), loading_context.loader.idx)
        if located == str(exc):
            raise
        raise ValidationException(located) from exc
    schema_cache.save()
    loaded = LoadedWorkflow(tool=tool, uri=uri, loading_context=loading_context)
    loaded.input_basedir = input_basedir
    if with_inputs:
        loaded.job_order = _initial_job_order(
            job_order_object, args, tool, jobloader, input_basedir
        )
    return loaded


def _read_job_order(args, loading_context, tool_file_uri):
    """The input object from a file (or {} when neither a file nor tool options are given)."""
    first = args.job_order[0] if args.job_order else ""
    path = uri_file_path(first) if first.startswith("file://") else first
    if first and not first.startswith("-") and "://" not in path and not os.path.isfile(path):
        if os.path.isdir(path):
            raise InputsError(f"{first}: is a directory, not an input object file")
        raise InputsError(f"{first}: no such input object file")
    try:
        job_order_object, input_basedir, jobloader = cwltool.main.load_job_order(
            args, io.StringIO(), loading_context.fetcher_constructor,
            loading_context.overrides_list, tool_file_uri,
        )
    except SystemExit:  # cwltool found the object empty or not a mapping
        raise InputsError(
            f"{args.job_order[0]}: the input object must be a mapping of input names to values"
        ) from None
    if job_order_object is None and not args.job_order:
        job_order_object = {}
    return job_order_object, input_basedir, jobloader


def _initial_job_order(job_order_object, args, tool, jobloader, input_basedir) -> dict[str, Any]:
    """Defaults filled in and file locations resolved; still a commented map, so validation
    errors can name the input object's line and column."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            order = cwltool.main.init_job_order(
                job_order_object, args, tool, jobloader, io.StringIO(),
                input_basedir=input_basedir,
            )
    except SystemExit as exit_:  # argparse refused the tool options, or printed their help
        if exit_.code == 0:
            raise ToolHelpShown() from None
        reason = [line for line in stderr.getvalue().splitlines() if ": error: " in line]
        detail = reason[-1].split(": error: ", 1)[1] if reason else "bad tool options"
        raise InputsError(f"{args.workflow}: {detail}") from None
    order.pop("id", None)
    return order


def plain(value: Any) -> Any:
    """ruamel's commented maps and sequences as plain dicts and lists: copying a commented
    sequence copies its line numbers item by item, which made large inputs slow."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class ToolHelpShown(Exception):
    """`--help` among the tool options: argparse printed the tool's help on stdout."""


class InputsError(Exception):
    """The input object or the tool options are unusable; the message says why, in one line."""


def steps_by_ref(tool: Process) -> dict[str, Process]:
    """Every runnable process in the tree, keyed by its path of step ids from the root."""
    index: dict[str, Process] = {"": tool}

    def walk(process: Process, prefix: str) -> None:
        if isinstance(process, Workflow):
            for step in process.steps:
                ref = f"{prefix}>{step.id}" if prefix else step.id
                index[ref] = step.embedded_tool
                walk(step.embedded_tool, ref)

    walk(tool, "")
    return index


def step_ref(parent_ref: str, step: WorkflowStep) -> str:
    return f"{parent_ref}>{step.id}" if parent_ref else step.id


def canonical_digest(value: Any) -> str:
    """sha256 of a JSON value with sorted keys; Files and Directories count their size and mtime
    so that editing an input file does not resume the launch that read the old one."""
    value = json.loads(json.dumps(value, default=str))

    def stamp(obj: dict[str, Any]) -> None:
        location = obj.get("location") or obj.get("path") or ""
        if location.startswith("file://"):
            try:
                stat = os.stat(location[7:])
                obj["_stat"] = [stat.st_size, stat.st_mtime_ns]
            except OSError:
                pass

    visit_class(value, ("File", "Directory"), stamp)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
