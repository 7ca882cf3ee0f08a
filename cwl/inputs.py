"""Checks of an input object before any state is written: every local File and Directory it
names must exist (errors point at the line of the input object that names the missing path),
and it must validate against the process's inputs."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from cwltool.builder import Builder
from cwltool.context import RuntimeContext
from cwltool.process import Process
from schema_salad.ref_resolver import uri_file_path
from schema_salad.sourceline import SourceLine


class MissingInput(Exception):
    """A File or Directory of the input object is not there."""


def _check(obj: dict[str, Any]) -> None:
    location = obj.get("location", "")
    if not location.startswith("file://"):
        return
    path = uri_file_path(location)
    if os.path.exists(path):
        return
    kind = "directory" if obj.get("class") == "Directory" else "file"
    lead = SourceLine(obj, "location").makeLead() if hasattr(obj, "lc") else ""
    raise MissingInput(f"{lead}{' ' if lead else ''}input {kind} not found: {path}")


def check_input_paths(value: Any) -> None:
    """Raise MissingInput for the first local File or Directory (or secondary file) absent."""
    if isinstance(value, dict):
        if value.get("class") in ("File", "Directory"):
            _check(value)
            for secondary in value.get("secondaryFiles") or []:
                check_input_paths(secondary)
            for entry in value.get("listing") or []:
                check_input_paths(entry)
            return
        for item in value.values():
            check_input_paths(item)
    elif isinstance(value, list):
        for item in value:
            check_input_paths(item)


def initialized(tool: Process, job_order: dict[str, Any], context: RuntimeContext) -> Builder:
    """cwltool's job initialisation (validation, defaults, bindings), without leaving behind
    the empty output, temporary and staging folders it makes for a CommandLineTool."""
    builder = tool._init_job(job_order, context)
    for path in {builder.outdir, builder.tmpdir, builder.stagedir}:
        if path:
            with contextlib.suppress(OSError):
                os.rmdir(path)
    return builder
