"""Running a recorded launch to its end: the scheduler on the chosen executor (local processes,
or Kubernetes Jobs), the outputs moved into place, the launch's final state recorded. Shared by
`wonderland run` (in the foreground) and the server's launch runners (one process per launch)."""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Any

from cwl_utils.errors import WorkflowException
from cwltool.context import RuntimeContext
from schema_salad.exceptions import ValidationException

from wonderland.cwl import loading
from wonderland.cwl.errors import one_line
from wonderland.cwl.invocation import ToolSettings
from wonderland.cwl.outputs import finalize_outputs
from wonderland.db import LaunchStatus, Store
from wonderland.db.store import JobRecord
from wonderland.engine.executors.base import Executor
from wonderland.engine.executors.local import LocalExecutor
from wonderland.engine.kubernetes_settings import KubernetesSettings
from wonderland.engine.preparation import EXIT_UNSUPPORTED, UserError
from wonderland.engine.progress import Progress
from wonderland.engine.resources import ResourcePool, machine_ram_mib
from wonderland.engine.scheduler import LaunchFailed, Scheduler


@dataclasses.dataclass
class Execution:
    """A launch that is recorded and ready to run, and how to run it."""

    store: Store
    launch_id: int
    loaded: loading.LoadedWorkflow
    inputs: dict[str, Any]
    context: RuntimeContext
    settings: ToolSettings
    parallel: int | None  # cores of steps at once; None: all cores, or on Kubernetes no limit
    outdir: str
    progress: Progress
    previous: dict[str, JobRecord] = dataclasses.field(default_factory=dict)
    known_keys: set[str] = dataclasses.field(default_factory=set)
    log_dir: str | None = None
    restart_attempts: int = 0
    kubernetes: KubernetesSettings | None = None


def execute(run: Execution) -> dict[str, Any]:
    """Run the launch; record SUCCEEDED and return the final outputs, or record FAILED and
    raise `UserError`. On an interruption (KeyboardInterrupt, SystemExit) the running jobs
    are recorded as cancelled and the launch's state is `interrupted_status`."""
    store, launch_id = run.store, run.launch_id
    executor = _executor(run)
    scheduler = Scheduler(
        store=run.store,
        launch_id=run.launch_id,
        executor=executor,
        settings=run.settings,
        pool=_pool(run),
        previous=run.previous,
        known_keys=run.known_keys,
        progress=run.progress,
        runtime_context=run.context,
        restart_attempts=run.restart_attempts,
    )
    try:
        outputs = scheduler.run(run.loaded.tool, run.inputs)
        final = finalize_outputs(outputs, run.outdir, run.settings.work_dir)
    except LaunchFailed as exc:
        store.set_launch_status(launch_id, LaunchStatus.FAILED, message=str(exc))
        raise UserError(str(exc), EXIT_UNSUPPORTED if exc.unsupported else 1) from exc
    except (WorkflowException, ValidationException, OSError) as exc:
        store.set_launch_status(launch_id, LaunchStatus.FAILED, message=one_line(exc))
        raise UserError(one_line(exc)) from exc
    except Interrupted as exc:
        store.cancel_running_jobs(launch_id, exc.reason)
        if exc.launch_status is not None:  # stopped for good, not to be resumed
            executor.cancel_all()
            store.set_launch_status(launch_id, exc.launch_status, message=exc.reason)
        raise
    except BaseException as exc:
        reason = f"internal error: {type(exc).__name__}: {one_line(exc)}"
        store.set_launch_status(launch_id, LaunchStatus.FAILED, message=reason)
        store.cancel_running_jobs(launch_id, reason)
        raise
    finally:
        executor.close()
    store.set_launch_status(launch_id, LaunchStatus.SUCCEEDED, outputs=final)
    return final


def _executor(run: Execution) -> Executor:
    tools = loading.steps_by_ref(run.loaded.tool)
    if run.kubernetes is None:
        return LocalExecutor(tools, run.settings, run.parallel or os.cpu_count() or 1,
                             log_dir=run.log_dir)
    from wonderland.engine.executors.kubernetes import KubernetesExecutor
    from wonderland.engine.executors.kubernetes_client import KubernetesConfigError

    try:
        return KubernetesExecutor(tools, run.settings, run.kubernetes, run.launch_id,
                                  log_dir=run.log_dir)
    except KubernetesConfigError as exc:
        run.store.set_launch_status(run.launch_id, LaunchStatus.FAILED, message=str(exc))
        raise UserError(str(exc)) from exc


def _pool(run: Execution) -> ResourcePool:
    """Local steps share this machine; Jobs share the cluster, whose scheduler places them."""
    if run.kubernetes is None:
        return ResourcePool(run.parallel or os.cpu_count() or 1, machine_ram_mib())
    return ResourcePool(run.parallel or math.inf, math.inf)


class Interrupted(BaseException):
    """The engine was told to stop (Ctrl-C, SIGTERM): running jobs are recorded as cancelled and
    the launch is left in `launch_status` (None: as it is, to be resumed)."""

    def __init__(self, reason: str, launch_status: LaunchStatus | None, exit_code: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.launch_status = launch_status
        self.exit_code = exit_code
