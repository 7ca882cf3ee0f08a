"""`wonderland run`: load, validate, record a launch (or resume one), schedule it on the local
executor, and print the outputs. Errors are one line on stderr and exit code 1 (33 for an
unsupported feature); `--debug` adds the traceback."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sys
import uuid
from typing import Any

from cwl_utils.errors import WorkflowException
from cwltool.context import RuntimeContext
from cwltool.errors import UnsupportedRequirement
from cwltool.process import Process
from cwltool.update import ORIGINAL_CWLVERSION
from ruamel.yaml.error import YAMLError
from schema_salad.exceptions import ValidationException

from wonderland.cwl import loading
from wonderland.cwl.dot import to_dot
from wonderland.cwl.errors import one_line
from wonderland.cwl.inputs import MissingInput, check_input_paths, initialized
from wonderland.cwl.invocation import ToolSettings
from wonderland.cwl.outputs import finalize_outputs
from wonderland.cwl.requirements import allow_containers_on_host, check_runnable
from wonderland.db import LaunchStatus, Store, StoreError
from wonderland.engine import paths
from wonderland.engine.directories import Directories, DirectoryError, prepare_directories
from wonderland.engine.executors.local import LocalExecutor
from wonderland.engine.launch_records import take_over
from wonderland.engine.ownership import current_owner
from wonderland.engine.progress import Progress
from wonderland.engine.resources import ResourcePool, machine_ram_mib
from wonderland.engine.scheduler import LaunchFailed, Scheduler

EXIT_UNSUPPORTED = 33
log = logging.getLogger("wonderland")


class UserError(Exception):
    """A failure to report as one line, with the exit code to use."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _setup_logging(args) -> None:
    level = logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("wonderland: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    cwltool_log = logging.getLogger("cwltool")
    # WARNING, not higher: a step's exit status reaches the engine as a cwltool warning.
    cwltool_log.setLevel(logging.DEBUG if args.debug else logging.WARNING)
    cwltool_log.handlers[:] = [
        logging.StreamHandler(sys.stderr) if args.debug else logging.NullHandler()
    ]
    cwltool_log.propagate = False
    logging.getLogger("salad").setLevel(logging.ERROR)
    if not args.debug:
        # cwl_utils' expression sandbox logs whole scripts and tracebacks on its own handler;
        # the engine reports each failure itself, in one line
        cwl_utils_log = logging.getLogger("cwl_utils")
        cwl_utils_log.handlers[:] = [logging.NullHandler()]
        cwl_utils_log.propagate = False
        logging.lastResort = None


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the launch is recorded as interrupted."""


def _terminated(_signum, _frame) -> None:
    raise _Terminated()


def run(args) -> int:
    _setup_logging(args)
    signal.signal(signal.SIGTERM, _terminated)  # like Ctrl-C: record the launch as interrupted
    try:
        return _run(args)
    except UserError as exc:
        if exc.code:
            log.error("%s", exc, exc_info=args.debug)
        return exc.code
    except KeyboardInterrupt as exc:
        log.error("interrupted")
        return 128 + (signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT)
    except Exception as exc:  # a bug of ours: still one line, the traceback with --debug
        log.error("internal error: %s: %s%s", type(exc).__name__, one_line(exc),
                  "" if args.debug else " (run with --debug for the traceback)",
                  exc_info=args.debug)
        return 1


def _load(args) -> loading.LoadedWorkflow:
    try:
        loaded = loading.load_workflow(
            args.workflow, args.job_order, debug=args.debug,
            with_inputs=not (args.validate or args.print_dot),
        )
        if args.no_container:
            allow_containers_on_host(loaded.tool)
        return loaded
    except loading.InputsError as exc:
        raise UserError(str(exc)) from exc
    except loading.ToolHelpShown as exc:
        raise UserError("", code=0) from exc
    except UnsupportedRequirement as exc:
        raise UserError(f"unsupported: {' '.join(str(exc).split())}", EXIT_UNSUPPORTED) from exc
    except (ValidationException, WorkflowException) as exc:
        raise UserError(_document_error(args.workflow, one_line(exc))) from exc
    except FileNotFoundError as exc:
        raise UserError(f"{exc.filename}: no such file") from exc
    except IsADirectoryError as exc:
        raise UserError(f"{exc.filename}: is a directory, not a CWL document") from exc
    except (ValueError, StopIteration, YAMLError) as exc:  # empty, binary, or a YAML scalar
        raise UserError(f"{args.workflow}: not a CWL document") from exc


def _document_error(workflow: str, message: str) -> str:
    """cwltool's words for a file that is not CWL at all, said plainly."""
    if "No cwlVersion found" in message:
        return f"{workflow}: not a CWL document (no cwlVersion)"
    if "no longer supports pre CWL v1.0" in message or "Unrecognized version" in message:
        return f"{workflow}: unsupported cwlVersion (Wonderland runs CWL v1.0, v1.1 and v1.2)"
    return message


def _check_inputs(tool: Process, job_order: dict[str, Any], context: RuntimeContext) -> dict:
    """Validate the input object against the process's inputs before any state is written;
    returns it as plain data. Validation runs on the plain copy (copying ruamel's commented
    sequences is quadratic) and again on the commented one only to locate an error."""
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


JOB_REQUIREMENTS = "https://w3id.org/cwl/cwl#requirements"


def _apply_input_requirements(tool: Process, job_order: dict[str, Any]) -> dict[str, Any]:
    """`cwl:requirements` in the input object apply to the main process (CWL v1.1+)."""
    if JOB_REQUIREMENTS not in job_order:
        return job_order
    if tool.metadata.get(ORIGINAL_CWLVERSION) == "v1.0":
        raise UserError("cwl:requirements in the input object needs cwlVersion v1.1 or later")
    job_order = dict(job_order)
    tool.requirements.extend(job_order.pop(JOB_REQUIREMENTS))
    return job_order


def _runtime_context(args, basedir: str) -> RuntimeContext:
    context = RuntimeContext()
    context.basedir = basedir
    context.debug = args.debug
    context.eval_timeout = args.eval_timeout
    context.tmpdir_prefix = args.tmpdir_prefix
    context.use_container = False
    context.toplevel = True
    return context


def _run(args) -> int:
    loaded = _load(args)
    if args.validate:
        print(f"{args.workflow} is valid CWL.")
        return 0
    if args.print_dot:
        print(to_dot(loaded.tool))
        return 0
    try:
        dirs = prepare_directories(args)
    except DirectoryError as exc:
        raise UserError(str(exc)) from exc
    context = _runtime_context(args, loaded.input_basedir)
    inputs = _apply_input_requirements(loaded.tool, loaded.job_order or {})
    inputs = _check_inputs(loaded.tool, inputs, context)
    try:  # after the inputs, as cwltool does: bad inputs are an error even here
        check_runnable(loaded.tool, containers_on_host=args.no_container)
    except UnsupportedRequirement as exc:
        raise UserError(f"unsupported: {' '.join(str(exc).split())}", EXIT_UNSUPPORTED) from exc
    try:
        store = Store(args.db or paths.default_db_url())
    except StoreError as exc:
        raise UserError(str(exc)) from exc
    try:
        return _launch(args, loaded, inputs, context, store, dirs)
    finally:
        store.close()


def _launch(args, loaded, inputs, context, store: Store, dirs: Directories) -> int:
    document = json.dumps(loaded.sources(), sort_keys=True)
    document_sha = loading.canonical_digest(json.loads(document))
    job_order_sha = loading.canonical_digest(inputs)
    owner = current_owner()
    resumed = None if args.fresh else take_over(store, document_sha, job_order_sha, owner)
    previous, known_keys = {}, set()
    if resumed is not None:
        launch_id, work_dir = resumed.launch_id, resumed.work_dir
        previous, known_keys = resumed.kept, resumed.known_keys
        lost = f" ({resumed.lost} whose outputs are gone run again)" if resumed.lost else ""
        log.log(logging.INFO if previous else logging.DEBUG,
                "resuming launch %d: %d finished steps kept%s", launch_id, len(previous), lost)
    else:
        # named before the row is written, so that no launch is ever recorded without it
        work_dir = os.path.join(dirs.work_root, f"launch-{uuid.uuid4().hex[:16]}")
        launch_id = store.create_launch(
            created_by=os.environ.get("USER", "local"),
            name=os.path.basename(args.workflow),
            workflow_uri=loaded.uri,
            document=document,
            document_sha256=document_sha,
            job_order=json.dumps(inputs, sort_keys=True, default=str),
            job_order_sha256=job_order_sha,
            work_dir=work_dir,
            owner=owner,
        )
        log.debug("launch %d started", launch_id)
    try:
        os.makedirs(work_dir, exist_ok=True)
    except OSError as exc:
        store.set_launch_status(launch_id, LaunchStatus.FAILED, message=f"work dir: {exc}")
        raise UserError(f"{work_dir}: cannot create the launch's work directory "
                        f"({exc.strerror}); run with --fresh to start over") from exc
    settings = ToolSettings(
        work_dir=work_dir,
        tmpdir_prefix=args.tmpdir_prefix,
        cachedir=dirs.cachedir,
        debug=args.debug,
        eval_timeout=args.eval_timeout,
        basedir=loaded.input_basedir,
    )
    executor = LocalExecutor(loading.steps_by_ref(loaded.tool), settings, args.parallel)
    scheduler = Scheduler(
        store=store,
        launch_id=launch_id,
        executor=executor,
        settings=settings,
        pool=ResourcePool(args.parallel, machine_ram_mib()),
        previous=previous,
        known_keys=known_keys,
        progress=Progress(enabled=None if not args.quiet else False),
        runtime_context=context,
    )
    try:
        outputs = scheduler.run(loaded.tool, inputs)
        final = finalize_outputs(outputs, dirs.outdir, work_dir)
    except LaunchFailed as exc:
        store.set_launch_status(launch_id, LaunchStatus.FAILED, message=str(exc))
        raise UserError(str(exc), EXIT_UNSUPPORTED if exc.unsupported else 1) from exc
    except (WorkflowException, ValidationException, OSError) as exc:
        store.set_launch_status(launch_id, LaunchStatus.FAILED, message=one_line(exc))
        raise UserError(one_line(exc)) from exc
    except BaseException as exc:
        reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else (
            f"internal error: {type(exc).__name__}: {one_line(exc)}")
        store.set_launch_status(launch_id, LaunchStatus.FAILED, message=reason)
        store.cancel_running_jobs(launch_id, reason)
        raise
    finally:
        executor.close()
    store.set_launch_status(launch_id, LaunchStatus.SUCCEEDED, outputs=final)
    shutil.rmtree(work_dir, ignore_errors=True)
    json.dump(final, sys.stdout, indent=4, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0
