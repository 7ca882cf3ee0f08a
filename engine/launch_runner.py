"""One server launch, run in a process of its own (forked from the server's fork server).

The runner claims the recorded launch (PENDING, or RUNNING with a dead owner: a resume), keeps
the step jobs that already succeeded, loads the launch's stored document and input object, and
runs it to its end through `launch_execution`. It stops when the server's process is gone (its
parent, the fork server, can outlive the server: every child of a fork server holds the pipe
that would end it), and its signals say why it must stop: SIGTERM, the server shuts down (the
launch stays RUNNING, to be resumed at the next start); SIGUSR1, the user cancelled it (it was
recorded CANCELLED first).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import signal
import threading
import time

from wonderland.cwl.invocation import ToolSettings
from wonderland.db import LaunchStatus, Store
from wonderland.engine import preparation
from wonderland.engine.kubernetes_settings import KubernetesSettings, launch_kubernetes_settings
from wonderland.engine.launch_execution import Execution, Interrupted, execute
from wonderland.engine.launch_records import kept_jobs
from wonderland.engine.logs import setup_logging
from wonderland.engine.ownership import current_owner, owner_alive
from wonderland.engine.preparation import UserError
from wonderland.engine.progress import Progress
from wonderland.engine.work_area import LaunchFiles
from wonderland.protos import wonderland_pb2

log = logging.getLogger("wonderland")
SERVER_CHECK_INTERVAL = 0.5


@dataclasses.dataclass(frozen=True)
class RunnerSettings:
    """The server's settings that every launch runner uses."""

    db_url: str
    server_owner: str  # the server process (`ownership` string): runners stop when it is gone
    parallel: int | None
    tmpdir_prefix: str
    no_container: bool = False
    eval_timeout: float = 60.0
    debug: bool = False
    kubernetes: KubernetesSettings | None = None

    @property
    def containers_elsewhere(self) -> bool:
        """Whether tools that require a container run anyway: on the host (--no-container),
        or in their image as Kubernetes Jobs."""
        return self.no_container or self.kubernetes is not None


def _server_stopping(_signum, _frame) -> None:
    raise Interrupted("stopped: the server shut down (the launch resumes when it starts)",
                      None, 128 + signal.SIGTERM)


def _cancelled(_signum, _frame) -> None:
    raise Interrupted("cancelled", LaunchStatus.CANCELLED, 128 + signal.SIGUSR1)


def _stop_without_server(server_owner: str) -> None:
    while owner_alive(server_owner):
        time.sleep(SERVER_CHECK_INTERVAL)
    os.kill(os.getpid(), signal.SIGTERM)


def main(settings: RunnerSettings, launch_id: int) -> None:
    """The runner process's entry point."""
    signal.signal(signal.SIGTERM, _server_stopping)
    signal.signal(signal.SIGUSR1, _cancelled)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    threading.Thread(target=_stop_without_server, args=(settings.server_owner,),
                     name="server-watch", daemon=True).start()
    setup_logging(debug=settings.debug, prefix=f"wonderland: launch {launch_id}")
    store = Store(settings.db_url)
    try:
        _run(store, settings, launch_id)
    except Interrupted as exc:
        store.cancel_running_jobs(launch_id, exc.reason)
    except UserError as exc:
        log.info("failed: %s", exc)
    except Exception as exc:  # a bug of ours: recorded on the launch, not lost in a log
        log.exception("internal error")
        store.set_launch_status(launch_id, LaunchStatus.FAILED, expected_owner=current_owner(),
                                message=f"internal error: {type(exc).__name__}: {exc}")
    finally:
        store.close()


def _run(store: Store, settings: RunnerSettings, launch_id: int) -> None:
    launch = store.get_launch(launch_id)
    if launch is None or launch.protobuf is None:
        return
    if launch.status == LaunchStatus.RUNNING and owner_alive(launch.owner):
        return  # another runner has it (started for the same launch a moment earlier)
    owner = current_owner()
    if not store.set_launch_status(
        launch_id, LaunchStatus.RUNNING, owner=owner, expected_owner=launch.owner, message=""
    ):
        return  # cancelled meanwhile, or another server took it
    pipeline = wonderland_pb2.Pipeline.FromString(launch.protobuf)
    files = LaunchFiles(launch.work_dir)
    resumed = kept_jobs(store, launch_id, launch.work_dir)
    if resumed.kept:
        log.info("resumed: %d finished steps kept", len(resumed.kept))
    try:
        files.make()
        _write(files.workflow, launch.document)
        _write(files.job_order, launch.job_order)
        loaded = preparation.load(files.workflow, [files.job_order], debug=settings.debug,
                                  no_container=settings.containers_elsewhere)
        context = preparation.runtime_context(
            loaded.input_basedir, debug=settings.debug, eval_timeout=settings.eval_timeout,
            tmpdir_prefix=settings.tmpdir_prefix,
        )
        inputs = preparation.checked_inputs(loaded.tool, loaded.job_order or {}, context,
                                            no_container=settings.containers_elsewhere)
    except (UserError, OSError) as exc:
        store.set_launch_status(launch_id, LaunchStatus.FAILED, message=str(exc))
        raise UserError(str(exc)) from exc
    execute(Execution(
        store=store, launch_id=launch_id, loaded=loaded, inputs=inputs, context=context,
        settings=ToolSettings(
            work_dir=files.steps, tmpdir_prefix=settings.tmpdir_prefix, debug=settings.debug,
            eval_timeout=settings.eval_timeout, basedir=loaded.input_basedir,
        ),
        parallel=pipeline.executor.parallel or settings.parallel,
        outdir=files.outputs,
        progress=Progress(enabled=False),
        previous=resumed.kept,
        known_keys=resumed.known_keys,
        log_dir=files.logs,
        restart_attempts=pipeline.restart_attempts,
        kubernetes=launch_kubernetes_settings(settings.kubernetes, pipeline.executor),
    ))
    shutil.rmtree(files.steps, ignore_errors=True)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
