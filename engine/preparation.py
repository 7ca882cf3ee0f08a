"""Loading and checking a workflow and its inputs before anything is recorded: shared by
`wonderland run` and the server's submit, so both refuse the same bad input with the same
one-line message (and exit code: 1, or 33 for an unsupported feature)."""

from __future__ import annotations

from typing import Any

from cwl_utils.errors import WorkflowException
from cwltool.context import RuntimeContext
from cwltool.errors import UnsupportedRequirement
from cwltool.process import Process
from cwltool.update import ORIGINAL_CWLVERSION
from ruamel.yaml.error import YAMLError
from schema_salad.exceptions import ValidationException

from wonderland.cwl import loading
from wonderland.cwl.errors import one_line
from wonderland.cwl.inputs import MissingInput, check_input_paths, initialized
from wonderland.cwl.requirements import allow_containers_on_host, check_runnable

EXIT_UNSUPPORTED = 33
JOB_REQUIREMENTS = "https://w3id.org/cwl/cwl#requirements"


class UserError(Exception):
    """A failure to report as one line, with the exit code to use."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def load(
    workflow: str, job_order: list[str], *, debug: bool = False, with_inputs: bool = True,
    no_container: bool = False,
) -> loading.LoadedWorkflow:
    """Load and validate a document (and its inputs); every failure is a `UserError`."""
    try:
        loaded = loading.load_workflow(workflow, job_order, debug=debug, with_inputs=with_inputs)
        if no_container:
            allow_containers_on_host(loaded.tool)
        return loaded
    except loading.InputsError as exc:
        raise UserError(str(exc)) from exc
    except loading.ToolHelpShown as exc:
        raise UserError("", code=0) from exc
    except UnsupportedRequirement as exc:
        raise unsupported(exc) from exc
    except (ValidationException, WorkflowException) as exc:
        raise UserError(_document_error(workflow, one_line(exc))) from exc
    except FileNotFoundError as exc:
        raise UserError(f"{exc.filename}: no such file") from exc
    except IsADirectoryError as exc:
        raise UserError(f"{exc.filename}: is a directory, not a CWL document") from exc
    except (ValueError, StopIteration, YAMLError) as exc:  # empty, binary, or a YAML scalar
        raise UserError(f"{workflow}: not a CWL document") from exc


def unsupported(exc: Exception) -> UserError:
    return UserError(f"unsupported: {' '.join(str(exc).split())}", EXIT_UNSUPPORTED)


def _document_error(workflow: str, message: str) -> str:
    """cwltool's words for a file that is not CWL at all, said plainly."""
    if "[Errno 21] Is a directory" in message:
        return f"{workflow}: is a directory, not a CWL document"
    if "No cwlVersion found" in message:
        return f"{workflow}: not a CWL document (no cwlVersion)"
    if "no longer supports pre CWL v1.0" in message or "Unrecognized version" in message:
        return f"{workflow}: unsupported cwlVersion (Wonderland runs CWL v1.0, v1.1 and v1.2)"
    return message


def runtime_context(
    basedir: str, *, debug: bool = False, eval_timeout: float = 60.0, tmpdir_prefix: str = ""
) -> RuntimeContext:
    context = RuntimeContext()
    context.basedir = basedir
    context.debug = debug
    context.eval_timeout = eval_timeout
    if tmpdir_prefix:
        context.tmpdir_prefix = tmpdir_prefix
    context.use_container = False
    context.toplevel = True
    return context


def checked_inputs(
    tool: Process, job_order: dict[str, Any], context: RuntimeContext, *, no_container: bool
) -> dict[str, Any]:
    """The input object validated against the process, as plain data; then whether the process
    can run here at all (after the inputs, as cwltool does: bad inputs are an error even for a
    process that needs a container)."""
    inputs = _check_inputs(tool, _apply_input_requirements(tool, job_order), context)
    try:
        check_runnable(tool, containers_on_host=no_container)
    except UnsupportedRequirement as exc:
        raise unsupported(exc) from exc
    return inputs


def _check_inputs(tool: Process, job_order: dict[str, Any], context: RuntimeContext) -> dict:
    """Validation runs on a plain copy (copying ruamel's commented sequences is quadratic) and
    again on the commented one only to locate an error."""
    plain = loading.plain(job_order)
    try:
        check_input_paths(job_order)
        try:
            initialized(tool, plain, context)
        except (ValidationException, WorkflowException):
            initialized(tool, job_order, context)
            raise
        return plain
    except MissingInput as exc:
        raise UserError(str(exc)) from exc
    except (ValidationException, WorkflowException) as exc:
        raise UserError(f"invalid inputs: {one_line(exc)}") from exc
    except OSError as exc:
        raise UserError(f"invalid inputs: {exc.filename or exc}: {exc.strerror}") from exc


def _apply_input_requirements(tool: Process, job_order: dict[str, Any]) -> dict[str, Any]:
    """`cwl:requirements` in the input object apply to the main process (CWL v1.1+)."""
    if JOB_REQUIREMENTS not in job_order:
        return job_order
    if tool.metadata.get(ORIGINAL_CWLVERSION) == "v1.0":
        raise UserError("cwl:requirements in the input object needs cwlVersion v1.1 or later")
    job_order = dict(job_order)
    tool.requirements.extend(job_order.pop(JOB_REQUIREMENTS))
    return job_order
