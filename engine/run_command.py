"""`wonderland run`: load, validate, record a launch (or resume one), schedule it on the chosen
executor (local processes or Kubernetes Jobs), and print the outputs. Errors are one line on
stderr and exit code 1 (33 for an unsupported feature); `--debug` adds the traceback."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sys
import uuid

from wonderland.cwl import loading
from wonderland.cwl.dot import to_dot
from wonderland.cwl.errors import one_line
from wonderland.cwl.invocation import ToolSettings
from wonderland.db import LaunchStatus, Store, StoreError
from wonderland.engine import paths, preparation
from wonderland.engine.directories import Directories, DirectoryError, prepare_directories
from wonderland.engine.executor_options import ExecutorOptionError, kubernetes_settings
from wonderland.engine.kubernetes_settings import KubernetesSettings
from wonderland.engine.launch_execution import Execution, Interrupted, execute
from wonderland.engine.launch_records import take_over
from wonderland.engine.logs import setup_logging
from wonderland.engine.ownership import current_owner
from wonderland.engine.preparation import UserError
from wonderland.engine.progress import Progress

log = logging.getLogger("wonderland")


def _stop(signum, _frame) -> None:
    """Ctrl-C or SIGTERM: the running steps are cancelled and the launch recorded as
    interrupted (FAILED, so that the same command resumes it)."""
    raise Interrupted("interrupted", LaunchStatus.FAILED, 128 + signum)


def run(args) -> int:
    setup_logging(debug=args.debug, quiet=args.quiet)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        return _run(args)
    except UserError as exc:
        if exc.code:
            log.error("%s", exc, exc_info=args.debug)
        return exc.code
    except Interrupted as exc:
        log.error("interrupted")
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("interrupted")
        return 128 + signal.SIGINT
    except Exception as exc:  # a bug of ours: still one line, the traceback with --debug
        log.error("internal error: %s: %s%s", type(exc).__name__, one_line(exc),
                  "" if args.debug else " (run with --debug for the traceback)",
                  exc_info=args.debug)
        return 1


def _run(args) -> int:
    # on Kubernetes every tool runs in a container: its DockerRequirement's image, or the default
    containers_elsewhere = args.no_container or args.executor == "kubernetes"
    loaded = preparation.load(
        args.workflow, args.job_order, debug=args.debug,
        with_inputs=not (args.validate or args.print_dot), no_container=containers_elsewhere,
    )
    if args.validate:
        print(f"{args.workflow} is valid CWL.")
        return 0
    if args.print_dot:
        print(to_dot(loaded.tool))
        return 0
    try:
        dirs = prepare_directories(args)
        kubernetes = kubernetes_settings(args, dirs.work_root)
    except (DirectoryError, ExecutorOptionError) as exc:
        raise UserError(str(exc)) from exc
    context = preparation.runtime_context(
        loaded.input_basedir, debug=args.debug, eval_timeout=args.eval_timeout,
        tmpdir_prefix=args.tmpdir_prefix,
    )
    inputs = preparation.checked_inputs(
        loaded.tool, loaded.job_order or {}, context, no_container=containers_elsewhere
    )
    try:
        store = Store(args.db or paths.default_db_url())
    except StoreError as exc:
        raise UserError(str(exc)) from exc
    try:
        return _launch(args, loaded, inputs, context, store, dirs, kubernetes)
    finally:
        store.close()


def _launch(args, loaded, inputs, context, store: Store, dirs: Directories,
            kubernetes: KubernetesSettings | None) -> int:
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
    final = execute(Execution(
        store=store, launch_id=launch_id, loaded=loaded, inputs=inputs, context=context,
        settings=settings, parallel=args.parallel, outdir=dirs.outdir,
        progress=Progress(enabled=None if not args.quiet else False),
        previous=previous, known_keys=known_keys, restart_attempts=args.restart_attempts,
        kubernetes=kubernetes,
    ))
    shutil.rmtree(work_dir, ignore_errors=True)
    json.dump(final, sys.stdout, indent=4, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0
