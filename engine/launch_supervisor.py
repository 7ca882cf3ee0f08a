"""The server's launch runners: which launches run now, in which process.

A thread starts a runner process for each launch that is PENDING (oldest first) or RUNNING
with a dead owner (a resume after the server died), up to `max_running` at once. Runners are
forked from a fork server that has the engine imported already, so a launch starts in
milliseconds and no runner inherits the gRPC server's threads. The database is the truth:
the supervisor only starts processes, signals them, and notes the ones that died without
recording an end.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from multiprocessing.process import BaseProcess

from wonderland.db import LaunchStatus, Store
from wonderland.engine import launch_runner
from wonderland.engine.ownership import owner_alive

log = logging.getLogger("wonderland")
_CRASHES_BEFORE_FAILING = 2


class Supervisor:
    def __init__(
        self, store: Store, settings: launch_runner.RunnerSettings, max_running: int
    ) -> None:
        self._store = store
        self._settings = settings
        self._max_running = max_running
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["wonderland.engine.launch_runner"])
        self._runners: dict[int, BaseProcess] = {}
        self._crashes: dict[int, int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="launch-supervisor", daemon=True)

    def start(self) -> None:
        # the fork server is started now, before the gRPC server has threads of its own
        self._context.Process(target=_nothing).start()
        self._thread.start()

    def wake(self) -> None:
        """A launch was submitted: look for work now rather than at the next tick."""
        self._wake.set()

    def cancel(self, launch_id: int) -> None:
        """Stop the runner of a launch already recorded as CANCELLED."""
        with self._lock:
            process = self._runners.get(launch_id)
        if process is not None and process.pid is not None:
            try:
                os.kill(process.pid, signal.SIGUSR1)
            except ProcessLookupError:
                pass

    def running(self) -> list[int]:
        with self._lock:
            return sorted(self._runners)

    def stop(self, timeout: float = 20.0) -> None:
        """Shut down: every runner records its running steps as cancelled and exits; their
        launches stay RUNNING and resume at the next start."""
        self._stopping.set()
        self._wake.set()
        self._thread.join()
        with self._lock:
            runners = list(self._runners.values())
        for process in runners:
            if process.pid is not None:
                try:
                    os.kill(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in runners:
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join()

    # -- the loop ---------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._reap()
                self._start_ready()
            except Exception:  # a database hiccup must not end the loop; the next tick retries
                log.exception("launch supervisor")
            self._wake.wait(1.0)
            self._wake.clear()

    def _reap(self) -> None:
        with self._lock:
            ended = {i: p for i, p in self._runners.items() if not p.is_alive()}
            for launch_id in ended:
                del self._runners[launch_id]
        for launch_id, process in ended.items():
            process.join()
            launch = self._store.get_launch(launch_id)
            if (launch is None or launch.status != LaunchStatus.RUNNING
                    or owner_alive(launch.owner)):
                self._crashes.pop(launch_id, None)
                continue
            crashes = self._crashes.get(launch_id, 0) + 1
            self._crashes[launch_id] = crashes
            log.warning("launch %d: runner died (exit code %s)", launch_id, process.exitcode)
            if crashes >= _CRASHES_BEFORE_FAILING:
                self._store.set_launch_status(
                    launch_id, LaunchStatus.FAILED,
                    message=f"the launch's runner died {crashes} times "
                            f"(last exit code {process.exitcode})",
                )
                self._store.cancel_running_jobs(launch_id, "the launch's runner died")

    def _start_ready(self) -> None:
        free = self._max_running - len(self._runners)
        if free <= 0:
            return
        ready = [
            launch.id for launch in self._store.running_launches()
            if launch.protobuf is not None and launch.id not in self._runners
            and not owner_alive(launch.owner)
        ]
        if len(ready) < free:
            # a launch given a runner a moment ago is PENDING until that runner claims it
            pending = self._store.pending_launches(free - len(ready) + len(self._runners))
            ready += [launch.id for launch in pending if launch.id not in self._runners]
        for launch_id in ready[:free]:
            self._spawn(launch_id)

    def _spawn(self, launch_id: int) -> None:
        process = self._context.Process(
            target=launch_runner.main, args=(self._settings, launch_id),
            name=f"launch-{launch_id}",
        )
        process.start()
        with self._lock:
            self._runners[launch_id] = process
        log.info("launch %d: started (runner pid %d)", launch_id, process.pid)


def _nothing() -> None:
    """Starts the fork server."""
