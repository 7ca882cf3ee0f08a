"""What a client sends for a launch: the workflow packed into one JSON document (loaded and
validated here first, so a bad document is refused before anything is uploaded), and the job
order as plain data with every relative file location made absolute (relative to the job
file's folder, or to the current directory for a dict)."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from typing import Any

import cwltool.main
from cwltool.utils import visit_class
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from schema_salad.ref_resolver import file_uri

from wonderland.cwl import loading
from wonderland.engine import preparation


class DocumentError(Exception):
    """A workflow or job order that cannot be sent; the message is one line naming it."""


def pack(workflow: str | os.PathLike[str]) -> str:
    """The workflow as one packed JSON document (`cwltool --pack`); one load per file version."""
    path = os.path.abspath(os.fspath(workflow))
    try:
        modified = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise DocumentError(f"{workflow}: {exc.strerror.lower()}") from None
    return _packed(path, modified)


@functools.lru_cache(maxsize=32)
def _packed(path: str, _modified: int) -> str:
    logging.getLogger("cwltool").setLevel(logging.WARNING)  # not "Resolved x to y"
    try:
        loaded = preparation.load(path, [], with_inputs=False)
    except preparation.UserError as exc:
        raise DocumentError(str(exc)) from None
    return cwltool.main.print_pack(loaded.loading_context, loaded.uri)


def job_order(inputs: Mapping[str, Any] | str | os.PathLike[str] | None) -> dict[str, Any]:
    """The input object from a dict, a YAML/JSON file, or None (no inputs)."""
    if inputs is None:
        return {}
    if isinstance(inputs, Mapping):
        return _absolute(loading.plain(dict(inputs)), os.getcwd())
    path = os.fspath(inputs)
    try:
        with open(path, encoding="utf-8") as handle:
            data = YAML(typ="safe", pure=True).load(handle)
    except OSError as exc:
        raise DocumentError(f"{path}: {exc.strerror.lower()}") from None
    except (YAMLError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{path}: not YAML or JSON ({' '.join(str(exc).split())})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DocumentError(f"{path}: the input object must be a mapping of input names to "
                            "values")
    return _absolute(data, os.path.dirname(os.path.abspath(path)))


def _absolute(order: dict[str, Any], base: str) -> dict[str, Any]:
    def resolve(obj: dict[str, Any]) -> None:
        for key in ("location", "path"):
            value = obj.get(key)
            if isinstance(value, str) and "://" not in value:
                obj["location"] = file_uri(os.path.normpath(os.path.join(base, value)))
                obj.pop("path", None)
                return

    visit_class(order, ("File", "Directory"), resolve)
    return order
