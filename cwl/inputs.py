"""Checks of an input object before any state is written: every local File and Directory it
names must exist. Errors point at the line of the input object that names the missing path."""

from __future__ import annotations

import os
from typing import Any

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
