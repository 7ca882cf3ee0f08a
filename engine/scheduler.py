"""The scheduler: owner of a launch's workflow-level state.

It walks the workflow as dataflow: a step is ready when all its sources have values; a ready
step is gathered, scattered, filtered by `when`, and each of its jobs either opens a nested
workflow frame or becomes a leaf job for the executor. Each leaf job has a deterministic key
(step path and scatter index). Its start is committed to the store before it is submitted,
its end before its outputs flow on, and on resume a key that already succeeded is answered
from the store instead of being run again.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import os
from collections.abc import Callable
from typing import Any

from cwl_utils.errors import WorkflowException
from cwltool.process import Process, shortname
from cwltool.utils import aslist
from cwltool.workflow import Workflow, WorkflowStep

from wonderland.cwl.errors import one_line
from wonderland.cwl.invocation import (
    FAILED,
    SUCCESS,
    UNSUPPORTED,
    ToolResult,
    ToolSettings,
    run_tool,
)
from wonderland.cwl.loading import step_ref
from wonderland.db import JobStatus, Store
from wonderland.db.store import JobEnd, JobRecord, JobStart
from wonderland.engine import dataflow
from wonderland.engine.executors.base import Completion, Executor, Task, job_file_name
from wonderland.engine.progress import Progress
from wonderland.engine.resources import ResourcePool, Resources, requested_resources

ROOT_KEY = "main"
OutputCallback = Callable[[dict[str, Any]], None]


class LaunchFailed(Exception):
    def __init__(self, message: str, unsupported: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported


@dataclasses.dataclass
class LeafJob:
    key: str
    node_name: str
    tool_ref: str
    tool: Process
    inputs: dict[str, Any]
    resources: Resources
    on_done: OutputCallback


class Scheduler:
    def __init__(
        self,
        *,
        store: Store,
        launch_id: int,
        executor: Executor,
        settings: ToolSettings,
        pool: ResourcePool,
        previous: dict[str, JobRecord],
        known_keys: set[str],
        progress: Progress,
        runtime_context: Any,
        restart_attempts: int = 0,
    ) -> None:
        self.store = store
        self.launch_id = launch_id
        self.executor = executor
        self.settings = settings
        self.pool = pool
        self.previous = previous
        self.progress = progress
        self.runtime_context = runtime_context
        self.restart_attempts = restart_attempts
        self.restarts: collections.Counter[str] = collections.Counter()
        self.pending: collections.deque[LeafJob] = collections.deque()
        self.running: dict[str, LeafJob] = {}
        self.deferred: collections.deque[Callable[[], None]] = collections.deque()
        self.unflushed_starts: list[JobStart] = []
        self.unflushed_ends: list[JobEnd] = []
        self.known_keys: set[str] = set(known_keys)
        self.outputs: dict[str, Any] | None = None
        self.failure: LaunchFailed | None = None

    # -- entry -------------------------------------------------------------------------------

    def run(self, tool: Process, inputs: dict[str, Any]) -> dict[str, Any]:
        self.start_process(tool, "", ROOT_KEY, ROOT_KEY, inputs, self._root_done)
        try:
            while True:
                self._drain_deferred()
                if self.outputs is not None or self.failure is not None:
                    break
                batch = self._take_ready()
                self._flush()
                self._submit(batch)
                if not self.running:
                    if self.pending:
                        continue
                    raise LaunchFailed("the workflow cannot make progress (a step never ran)")
                self._complete(self.executor.wait(self.progress.interval))
                self.progress.show()
        finally:
            self._flush()
            if self.failure is not None and self.running:
                self.executor.cancel(list(self.running))
                self.store.cancel_running_jobs(self.launch_id, "cancelled: launch failed")
            self.progress.close()
        if self.failure is not None:
            raise self.failure
        return self.outputs or {}

    def _root_done(self, outputs: dict[str, Any]) -> None:
        self.outputs = outputs

    def fail(self, message: str, unsupported: bool = False) -> None:
        if self.failure is None:
            self.failure = LaunchFailed(message, unsupported)

    # -- processes ----------------------------------------------------------------------------

    def start_process(
        self,
        tool: Process,
        ref: str,
        key: str,
        node_name: str,
        inputs: dict[str, Any],
        on_done: OutputCallback,
    ) -> None:
        """Run `tool` on `inputs`: a workflow opens a frame, anything else is a leaf job."""
        if isinstance(tool, Workflow):
            context = self.runtime_context
            if key != ROOT_KEY:
                context = context.copy()
                context.toplevel = False
            inputs = tool._init_job(inputs, context).job
            WorkflowFrame(self, tool, ref, key, inputs, on_done).start()
            return
        if key in self.previous:
            record = self.previous[key]
            self.progress.reused += 1
            self.deferred.append(functools.partial(on_done, record.outputs or {}))
            return
        if tool.tool["class"] == "ExpressionTool":
            self._run_inline(tool, key, node_name, inputs, on_done)
            return
        job = LeafJob(
            key, node_name, ref, tool, inputs,
            requested_resources(tool, inputs, self.runtime_context), on_done,
        )
        self.pending.append(job)
        self.progress.waiting += 1

    def _run_inline(self, tool, key, node_name, inputs, on_done) -> None:
        """ExpressionTools are evaluated in the engine: no process to start, still recorded
        (start and end are committed together, before their outputs flow on)."""
        self.unflushed_starts.append(JobStart(key, node_name, "inline", inputs))
        result = run_tool(tool, inputs, self.settings, self._job_dir(key), key == ROOT_KEY)
        self._finished(key, result, on_done)

    def _job_dir(self, key: str) -> str:
        return os.path.join(self.settings.work_dir, job_file_name(key))

    # -- the loop -------------------------------------------------------------------------------

    def _drain_deferred(self) -> None:
        while self.deferred and self.failure is None:
            self.deferred.popleft()()

    def _take_ready(self) -> list[LeafJob]:
        batch: list[LeafJob] = []
        while self.pending and self.pool.fits(
            self.pending[0].resources, others_running=bool(self.running or batch)
        ):
            job = self.pending.popleft()
            self.pool.take(job.resources)
            batch.append(job)
        self.unflushed_starts.extend(
            JobStart(j.key, j.node_name, self.executor.name, j.inputs,
                     self.executor.job_name(j.key, self.restarts[j.key] + 1))
            for j in batch
        )
        return batch

    def _flush(self) -> None:
        """Commit the starts and ends seen since the last flush, in one transaction."""
        if self.unflushed_starts or self.unflushed_ends:
            self.store.record_jobs(
                self.launch_id,
                starts=self.unflushed_starts,
                ends=self.unflushed_ends,
                known_keys=self.known_keys,
            )
            self.unflushed_starts, self.unflushed_ends = [], []

    def _submit(self, batch: list[LeafJob]) -> None:
        for job in batch:
            self.running[job.key] = job
            self.executor.submit(
                Task(job.key, job.tool_ref, job.inputs, self._job_dir(job.key), job.key == ROOT_KEY,
                     attempt=self.restarts[job.key] + 1)
            )
        self.progress.waiting -= len(batch)
        self.progress.running += len(batch)

    def _complete(self, completions: list[Completion]) -> None:
        for completion in completions:
            job = self.running.pop(completion.key)
            self.pool.give_back(job.resources)
            self.progress.running -= 1
            if self._restarted(job, completion.result):
                continue
            self._finished(job.key, completion.result, job.on_done)

    def _restarted(self, job: LeafJob, result: ToolResult) -> bool:
        """A failed job with restarts left: its failure is recorded and it is queued again
        (its next start is a new attempt of the same key)."""
        if result.status != FAILED or self.restarts[job.key] >= self.restart_attempts:
            return False
        self.restarts[job.key] += 1
        self.unflushed_ends.append(
            JobEnd(job.key, JobStatus.FAILED, None, result.exit_code,
                   f"{result.message} (attempt {self.restarts[job.key]}; restarting)")
        )
        self._flush()  # the failed attempt is committed before the next one's start
        self.pending.append(job)
        self.progress.waiting += 1
        return True

    def _finished(self, key: str, result: ToolResult, on_done: OutputCallback) -> None:
        """Note a job's end (committed at the next flush, before anything it feeds is
        submitted) and pass its outputs on."""
        succeeded = result.status == SUCCESS
        self.unflushed_ends.append(
            JobEnd(
                key,
                JobStatus.SUCCEEDED if succeeded else JobStatus.FAILED,
                result.outputs,
                result.exit_code,
                result.message,
            )
        )
        self.progress.done += 1
        if succeeded:
            self.deferred.append(functools.partial(on_done, result.outputs or {}))
            return
        self.progress.failed += 1
        where = "the tool" if key == ROOT_KEY else f"step {key}"
        self.fail(f"{where} failed: {result.message}", unsupported=result.status == UNSUPPORTED)


class WorkflowFrame:
    """One running instance of a Workflow: its values by source id and its waiting steps."""

    def __init__(
        self,
        scheduler: Scheduler,
        workflow: Workflow,
        ref: str,
        key: str,
        inputs: dict[str, Any],
        on_done: OutputCallback,
    ) -> None:
        self.scheduler = scheduler
        self.workflow = workflow
        self.ref = ref
        self.prefix = "" if key == ROOT_KEY else key + "/"
        self.on_done = on_done
        self.values: dict[str, Any] = {
            param["id"]: inputs.get(shortname(param["id"])) for param in workflow.tool["inputs"]
        }
        self.missing: dict[str, set[str]] = {}
        self.dependants: dict[str, list[WorkflowStep]] = collections.defaultdict(list)
        for step in workflow.steps:
            sources = {
                src
                for param in step.tool["inputs"]
                for src in dataflow.sources_of(param, "source")
                if src not in self.values
            }
            self.missing[step.id] = sources
            for src in sources:
                self.dependants[src].append(step)
        self.remaining = len(workflow.steps)

    def start(self) -> None:
        if not self.workflow.steps:
            self._finish()
        for step in self.workflow.steps:
            if not self.missing[step.id]:
                self._launch(step)

    def _launch(self, step: WorkflowStep) -> None:
        name = shortname(step.id)
        try:
            gathered = dataflow.gather(step.tool["inputs"], self.values, "source")
            evaluator = dataflow.StepEvaluator(
                step.tool, self.workflow.requirements, self.scheduler.settings
            )
            scatter = aslist(step.tool.get("scatter", []))
            method = step.tool.get("scatterMethod")
            if scatter and method is None and len(scatter) > 1:
                raise WorkflowException("scattering over several inputs needs a scatterMethod")
            if scatter:
                shape = dataflow.scatter_shape(gathered, scatter, method)
                elements = dataflow.scatter_elements(gathered, scatter, method)
            else:
                shape, elements = None, [gathered]
            collector = _StepCollector(self, step, shape, len(elements))
            ref = step_ref(self.ref, step)
            node_name = (self.prefix + name).replace("main/", "")
            for index, element in enumerate(elements):
                evaluated = evaluator.evaluate(element)
                if evaluated is None:  # skipped by `when`; through the queue, not recursion
                    skipped = functools.partial(collector.receive, index, None)
                    self.scheduler.deferred.append(skipped)
                    continue
                key = self.prefix + name + (f"[{index}]" if scatter else "")
                self.scheduler.start_process(
                    step.embedded_tool,
                    ref,
                    key,
                    node_name,
                    dataflow.tool_inputs(step.tool["inputs"], evaluated),
                    functools.partial(collector.receive, index),
                )
        except (WorkflowException, ValueError) as exc:
            self.scheduler.fail(f"step {self.prefix}{name}: {one_line(exc)}")

    def step_done(self, step: WorkflowStep, outputs: dict[str, Any]) -> None:
        for ident, value in outputs.items():
            self.values[ident] = value
            for dependant in self.dependants.get(ident, ()):
                missing = self.missing[dependant.id]
                missing.discard(ident)
                if not missing:
                    self._launch(dependant)
        self.remaining -= 1
        if self.remaining == 0:
            self._finish()

    def _finish(self) -> None:
        try:
            outputs = dataflow.gather(
                self.workflow.tool["outputs"], self.values, "outputSource", key=shortname
            )
        except WorkflowException as exc:
            self.scheduler.fail(f"outputs of {self.prefix or 'the workflow'}: {one_line(exc)}")
            return
        self.on_done(outputs)


class _StepCollector:
    """Collects the results of a step's jobs (one, or one per scatter element)."""

    def __init__(self, frame: WorkflowFrame, step: WorkflowStep, shape, count: int) -> None:
        self.frame = frame
        self.step = step
        self.shape = shape
        self.results: list[Any] = [None] * count
        self.left = count
        if count == 0:  # an empty scatter: done, through the queue rather than recursion
            frame.scheduler.deferred.append(self._done)

    def receive(self, index: int, outputs: dict[str, Any] | None) -> None:
        self.results[index] = outputs
        self.left -= 1
        if self.left == 0:
            self._done()

    def _done(self) -> None:
        values = {}
        for param in self.step.tool["outputs"]:
            field = shortname(param["id"])
            found = [None if r is None else r.get(field) for r in self.results]
            if self.shape is None:
                values[param["id"]] = found[0]
            else:
                values[param["id"]] = dataflow.nest(found, self.shape)
        self.frame.step_done(self.step, values)
