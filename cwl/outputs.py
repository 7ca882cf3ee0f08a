"""Final outputs: moved from the launch's work area into the output directory and shown the
way cwltool shows them (a `path` beside each `location`)."""

from __future__ import annotations

from typing import Any

from cwltool.mutation import MutationManager
from cwltool.process import relocateOutputs
from cwltool.stdfsaccess import StdFsAccess
from cwltool.utils import visit_class
from schema_salad.ref_resolver import uri_file_path


def finalize_outputs(outputs: dict[str, Any], outdir: str, work_dir: str) -> dict[str, Any]:
    """Move what lives under `work_dir` into `outdir` (copy anything else) and add paths."""
    relocated = relocateOutputs(outputs, outdir, {work_dir}, "move", StdFsAccess(""), True)

    def loc_to_path(obj: dict[str, Any]) -> None:
        for field in ("path", "nameext", "nameroot", "dirname"):
            obj.pop(field, None)
        if obj["location"].startswith("file://"):
            obj["path"] = uri_file_path(obj["location"])

    visit_class(relocated, ("File", "Directory"), loc_to_path)
    visit_class(relocated, ("File",), MutationManager().unset_generation)
    return relocated
