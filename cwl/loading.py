"""Loading a CWL document and its job order with cwltool, as `cwltool` itself would.

`load_workflow` returns the validated process object, the packed document (what a launch
stores) and digests that identify the document and the inputs for resuming.
"""

from __future__ import annotations

import argparse
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
from cwltool.pack import pack
from cwltool.process import Process
from cwltool.utils import visit_class
from cwltool.workflow import Workflow, WorkflowStep

from wonderland.cwl import schema_cache


@dataclasses.dataclass
class LoadedWorkflow:
    tool: Process
    uri: str
    loading_context: LoadingContext
    job_order: dict[str, Any] | None = None
    input_basedir: str = ""

    def packed(self) -> dict[str, Any]:
        return pack(self.loading_context, self.uri)


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
    workflow: str, job_order: list[str], *, debug: bool = False, do_validate: bool = True
) -> LoadedWorkflow:
    """Load and validate `workflow`; job order arguments are a file or tool options."""
    schema_cache.restore()
    args = _loader_args(workflow, job_order, debug)
    runtime_context = RuntimeContext(vars(args))
    loading_context = cwltool.main.setup_loadingContext(None, runtime_context, args)
    loading_context.do_validate = do_validate
    loading_context.disable_js_validation = True
    loading_context.relax_path_checks = True  # file names with spaces or '#' are fine
    uri, tool_file_uri = resolve_tool_uri(
        workflow,
        resolver=loading_context.resolver,
        fetcher_constructor=loading_context.fetcher_constructor,
    )
    job_order_object, input_basedir, jobloader = cwltool.main.load_job_order(
        args, io.StringIO(), loading_context.fetcher_constructor,
        loading_context.overrides_list, tool_file_uri,
    )
    loading_context, workflowobj, uri = fetch_document(uri, loading_context)
    loading_context, uri = resolve_and_validate_document(loading_context, workflowobj, uri)
    tool = make_tool(uri, loading_context)
    schema_cache.save()
    loaded = LoadedWorkflow(tool=tool, uri=uri, loading_context=loading_context)
    loaded.input_basedir = input_basedir
    loaded.job_order = _initial_job_order(job_order_object, args, tool, jobloader, input_basedir)
    return loaded


def _initial_job_order(job_order_object, args, tool, jobloader, input_basedir) -> dict[str, Any]:
    stdout = io.StringIO()
    try:
        order = cwltool.main.init_job_order(
            job_order_object, args, tool, jobloader, stdout, input_basedir=input_basedir
        )
    except SystemExit as exit_:  # argparse of tool options: its message is on stderr already
        raise ToolOptionsError(str(exit_.code)) from None
    order.pop("id", None)
    return plain(order)


def plain(value: Any) -> Any:
    """ruamel's commented maps and sequences as plain dicts and lists: copying a commented
    sequence copies its line numbers item by item, which made large inputs slow."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class ToolOptionsError(Exception):
    """The tool options given on the command line did not parse (argparse printed why)."""


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
