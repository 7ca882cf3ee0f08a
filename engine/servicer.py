"""The `wonderland.v1.Wonderland` service: each call checks who is calling, reads or records
state through the store, and leaves the running of launches to the supervisor.

A user sees, watches and cancels only their own launches (others' are NOT_FOUND, so their ids
tell nothing); an admin certificate sees all of them. Failures become status codes through the
one table in `api_errors`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
from cwltool.utils import visit_class
from schema_salad.ref_resolver import file_uri, uri_file_path

from wonderland.client.certificates import Caller, caller_from_auth_context
from wonderland.cwl import loading
from wonderland.db import LaunchStatus, Store
from wonderland.db.records import LaunchRecord
from wonderland.engine import preparation
from wonderland.engine.api_errors import (
    ApiError,
    failed_precondition,
    guarded,
    guarded_stream,
    invalid,
    not_found,
)
from wonderland.engine.api_messages import launch_message, step_message
from wonderland.engine.kubernetes_settings import KubernetesSettings
from wonderland.engine.launch_supervisor import Supervisor
from wonderland.engine.preparation import UserError
from wonderland.engine.work_area import LaunchFiles, PathRefused, WorkArea, inside
from wonderland.protos import wonderland_pb2 as pb
from wonderland.protos import wonderland_pb2_grpc

CHUNK = 64 * 1024
MAX_PAGE = 1000
MAX_RESTART_ATTEMPTS = 10
WATCH_INTERVAL = 0.25
_LABEL_KEY = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?")
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


class WonderlandServicer(wonderland_pb2_grpc.WonderlandServicer):
    def __init__(
        self, store: Store, supervisor: Supervisor, work_area: WorkArea, *,
        max_pipeline_bytes: int, insecure_user: Caller | None = None,
        kubernetes: KubernetesSettings | None = None,
    ) -> None:
        self.store = store
        self.supervisor = supervisor
        self.work_area = work_area
        self.max_pipeline_bytes = max_pipeline_bytes
        self.insecure_user = insecure_user
        self.kubernetes = kubernetes  # steps run as Jobs, tools in their containers
        # cwltool's loader keeps caches that are not safe to share between threads
        self._loading = threading.Lock()

    # -- who is calling, and what they may see -------------------------------------------------

    def _caller(self, context: grpc.ServicerContext) -> Caller:
        caller = caller_from_auth_context(context.auth_context()) or self.insecure_user
        if caller is None:
            raise ApiError(grpc.StatusCode.UNAUTHENTICATED, "a valid client certificate is needed")
        return caller

    def _launch_of(self, caller: Caller, launch_id: int) -> LaunchRecord:
        launch = self.store.get_launch(launch_id) if launch_id > 0 else None
        if launch is None or launch.protobuf is None or not (
            caller.admin or launch.created_by == caller.user
        ):
            raise not_found(f"launch {launch_id}: no such launch of yours")
        return launch

    def _message(self, launch: LaunchRecord, with_steps: bool) -> pb.Launch:
        labels = self.store.labels_of([launch.id]).get(launch.id, {})
        steps = self.store.jobs(launch.id) if with_steps else None
        return launch_message(launch, labels, steps, LaunchFiles(launch.work_dir).outputs)

    # -- submit -----------------------------------------------------------------------------------

    @guarded
    def SubmitPipeline(self, request, context):
        caller = self._caller(context)
        pipeline = request.pipeline
        size = pipeline.ByteSize()
        if size > self.max_pipeline_bytes:
            raise invalid(f"pipeline: {size} bytes, more than this server's limit of "
                          f"{self.max_pipeline_bytes}")
        job_order = self._check_pipeline(pipeline, caller)
        files = self.work_area.new_launch()
        try:
            with open(files.workflow, "w", encoding="utf-8") as handle:
                handle.write(pipeline.cwl_document)
            with open(files.job_order, "w", encoding="utf-8") as handle:
                json.dump(job_order, handle)
            inputs = self._validated(files)
            launch_id = self.store.create_launch(
                created_by=caller.user,
                name=pipeline.name or "workflow",
                workflow_uri=file_uri(files.workflow),
                document=pipeline.cwl_document,
                document_sha256=hashlib.sha256(pipeline.cwl_document.encode()).hexdigest(),
                job_order=json.dumps(job_order, sort_keys=True),
                job_order_sha256=loading.canonical_digest(inputs),
                work_dir=files.root,
                owner="",
                protobuf=pipeline.SerializeToString(),
                status=LaunchStatus.PENDING,
                labels=dict(pipeline.labels),
            )
        except BaseException:
            _remove_tree(files.root)
            raise
        self.supervisor.wake()
        return pb.SubmitPipelineResponse(
            launch=self._message(self.store.get_launch(launch_id), with_steps=False)
        )

    def _check_pipeline(self, pipeline: pb.Pipeline, caller: Caller) -> dict[str, Any]:
        if not pipeline.cwl_document.strip():
            raise invalid("pipeline.cwl_document: empty")
        if len(pipeline.name) > 200:
            raise invalid("pipeline.name: more than 200 characters")
        if not 0 <= pipeline.restart_attempts <= MAX_RESTART_ATTEMPTS:
            raise invalid(f"pipeline.restart_attempts: must be 0 to {MAX_RESTART_ATTEMPTS}")
        if pipeline.executor.parallel < 0:
            raise invalid("pipeline.executor.parallel: must be 0 (the server's default) or more")
        served = "local" if self.kubernetes is None else "kubernetes"
        if pipeline.executor.kind not in ("", served):
            raise failed_precondition(
                f"pipeline.executor.kind: {pipeline.executor.kind!r} is not available on this "
                f"server (it runs steps with the {served} executor)"
            )
        if self.kubernetes is None and (pipeline.executor.namespace
                                        or pipeline.executor.default_image):
            raise failed_precondition("pipeline.executor: namespace and default_image need a "
                                      "server that runs steps as Kubernetes Jobs")
        if pipeline.executor.namespace and not _NAMESPACE.fullmatch(pipeline.executor.namespace):
            raise invalid(f"pipeline.executor.namespace: {pipeline.executor.namespace!r} is not "
                          "a Kubernetes namespace name (up to 63 lowercase letters, digits, '-')")
        for key, value in pipeline.labels.items():
            if not _LABEL_KEY.fullmatch(key) or len(value) > 255:
                raise invalid(f"pipeline.labels: bad label {key!r} (keys: up to 63 letters, "
                              "digits and '._/-'; values: up to 255 characters)")
        try:
            job_order = json.loads(pipeline.job_order or "{}")
        except json.JSONDecodeError as exc:
            raise invalid(f"pipeline.job_order: not JSON ({exc})") from exc
        if not isinstance(job_order, dict):
            raise invalid("pipeline.job_order: must be a JSON object of input names to values")
        self._check_locations(job_order, caller)
        return job_order

    def _check_locations(self, job_order: dict[str, Any], caller: Caller) -> None:
        """Input files must be the caller's uploads: a job order cannot read the server's
        files."""

        def check(obj: dict[str, Any]) -> None:
            location = obj.get("location") or obj.get("path")
            if location is None:
                if obj.get("class") == "File" and "contents" not in obj:
                    raise invalid("pipeline.job_order: a File without location or contents")
                return
            if not isinstance(location, str):
                raise invalid(f"pipeline.job_order: bad location {location!r}")
            path = uri_file_path(location) if location.startswith("file://") else location
            if "://" in path or not self.work_area.owns(caller.user, path):
                raise invalid(f"pipeline.job_order: {location} is not one of your uploads "
                              "(send input files with UploadFile)")

        visit_class(job_order, ("File", "Directory"), check)

    def _validated(self, files: LaunchFiles) -> dict[str, Any]:
        # schema-salad names files relative to the current directory when it can
        prefixes = (files.root + os.sep, os.path.relpath(files.root) + os.sep)
        try:
            with self._loading:
                containers = self.kubernetes is not None
                loaded = preparation.load(files.workflow, [files.job_order],
                                          no_container=containers)
                context = preparation.runtime_context(loaded.input_basedir)
                return preparation.checked_inputs(
                    loaded.tool, loaded.job_order or {}, context, no_container=containers
                )
        except UserError as exc:
            message = str(exc)
            for prefix in prefixes:
                message = message.replace(prefix, "")
            exc.args = (message,)
            raise

    # -- reading --------------------------------------------------------------------------------

    @guarded
    def GetLaunch(self, request, context):
        launch = self._launch_of(self._caller(context), request.launch_id)
        return pb.GetLaunchResponse(launch=self._message(launch, with_steps=True))

    @guarded
    def ListLaunches(self, request, context):
        caller = self._caller(context)
        size = request.page_size or 50
        if not 0 < size <= MAX_PAGE:
            raise invalid(f"page_size: must be 1 to {MAX_PAGE}")
        before = None
        if request.page_token:
            if not request.page_token.isdigit():
                raise invalid("page_token: not a token this server gave")
            before = int(request.page_token)
        launches = self.store.list_launches(
            created_by=None if caller.admin else caller.user,
            statuses=[LaunchStatus(s) for s in request.statuses],
            labels=dict(request.labels),
            limit=size + 1,
            before_id=before,
            server_only=True,
        )
        more = len(launches) > size
        launches = launches[:size]
        labels = self.store.labels_of([launch.id for launch in launches])
        return pb.ListLaunchesResponse(
            launches=[launch_message(launch, labels.get(launch.id, {})) for launch in launches],
            next_page_token=str(launches[-1].id) if more else "",
        )

    @guarded_stream
    def WatchLaunch(self, request, context) -> Iterator[pb.WatchLaunchResponse]:
        caller = self._caller(context)
        launch = self._launch_of(caller, request.launch_id)
        message = self._message(launch, with_steps=True)
        seen = {step.name: step for step in message.steps}
        yield pb.WatchLaunchResponse(launch=message)
        last = message
        while not LaunchStatus(last.status).finished and context.is_active():
            time.sleep(WATCH_INTERVAL)
            launch = self._launch_of(caller, request.launch_id)
            changed = []
            for job in self.store.jobs(launch.id):
                step = step_message(job)
                if seen.get(step.name) != step:
                    seen[step.name] = step
                    changed.append(step)
            current = self._message(launch, with_steps=False)
            if changed or current != last:
                yield pb.WatchLaunchResponse(launch=current, changed_steps=changed)
                last = current

    # -- changing -------------------------------------------------------------------------------

    @guarded
    def CancelLaunch(self, request, context):
        caller = self._caller(context)
        launch = self._launch_of(caller, request.launch_id)
        if launch.status.finished:
            raise failed_precondition(
                f"launch {launch.id} has ended already ({launch.status.name})"
            )
        # recorded first: a runner that starts or resumes later finds it cancelled
        if self.store.set_launch_status(
            launch.id, LaunchStatus.CANCELLED, message=f"cancelled by {caller.user}"
        ):
            self.store.cancel_running_jobs(launch.id, f"cancelled by {caller.user}")
            self.supervisor.cancel(launch.id)
        launch = self._launch_of(caller, launch.id)
        return pb.CancelLaunchResponse(launch=self._message(launch, with_steps=True))

    # -- files ----------------------------------------------------------------------------------

    @guarded_stream
    def GetStepLogs(self, request, context) -> Iterator[pb.GetStepLogsResponse]:
        caller = self._caller(context)
        launch = self._launch_of(caller, request.launch_id)
        if not any(job.job_key == request.step_name for job in self.store.jobs(launch.id)):
            raise not_found(f"launch {launch.id}: no step {request.step_name!r} has started")
        if self.kubernetes is not None:
            running = [j for j in self.store.jobs(launch.id) if j.job_key == request.step_name
                       and j.executor == "kubernetes" and j.job_name and not j.status.finished]
            if running:  # its log is in its pod until it ends
                yield from self._pod_log(launch.id, request.step_name, running[0].job_name)
                return
        path = LaunchFiles(launch.work_dir).log_of(request.step_name)
        offset = 0
        while True:
            ended = self._step_ended(launch.id, request.step_name)
            offset, chunks = _read_from(path, offset)
            for chunk in chunks:
                yield pb.GetStepLogsResponse(data=chunk)
            if not request.follow or ended or not context.is_active():
                return
            time.sleep(WATCH_INTERVAL)

    def _pod_log(self, launch_id: int, key: str, job_name: str) -> Iterator[pb.GetStepLogsResponse]:
        from wonderland.engine.executors.kubernetes_logs import follow_pod_log

        for chunk in follow_pod_log(self.kubernetes, job_name,
                                    lambda: self._step_ended(launch_id, key)):
            yield pb.GetStepLogsResponse(data=chunk)

    def _step_ended(self, launch_id: int, key: str) -> bool:
        launch = self.store.get_launch(launch_id)
        if launch is None or launch.status.finished:
            return True
        return any(j.job_key == key and j.status.finished for j in self.store.jobs(launch_id))

    @guarded
    def UploadFile(self, request_iterator, context):
        caller = self._caller(context)
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("content") != "header":
            raise invalid("UploadFile: the first message must be the header")
        upload_id, folder = self.work_area.upload_folder(caller.user, first.header.upload_id)
        target = inside(folder, first.header.path)
        if os.path.exists(target):
            raise invalid(f"UploadFile: {first.header.path!r} is in this upload already")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle = tempfile.NamedTemporaryFile(dir=os.path.dirname(target), delete=False,
                                             prefix=".upload-")
        try:
            with handle:
                for message in request_iterator:
                    if message.WhichOneof("content") != "chunk":
                        raise invalid("UploadFile: only the first message may be a header")
                    handle.write(message.chunk)
                    digest.update(message.chunk)
                    size += len(message.chunk)
            os.replace(handle.name, target)
        except BaseException:
            _remove_file(handle.name)
            raise
        return pb.UploadFileResponse(
            upload_id=upload_id, location=file_uri(target), upload_location=file_uri(folder),
            size=size, sha256=digest.hexdigest(),
        )

    @guarded_stream
    def DownloadOutput(self, request, context) -> Iterator[pb.DownloadOutputResponse]:
        launch = self._launch_of(self._caller(context), request.launch_id)
        if launch.status != LaunchStatus.SUCCEEDED:
            raise failed_precondition(
                f"launch {launch.id} has no outputs: it is {launch.status.name}"
            )
        try:
            path = inside(LaunchFiles(launch.work_dir).outputs, request.path)
        except PathRefused as exc:
            raise invalid(f"path: {exc}") from exc
        if not os.path.isfile(path):
            raise not_found(f"launch {launch.id}: no output file {request.path!r}")
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield pb.DownloadOutputResponse(chunk=chunk)


def _read_from(path: str, offset: int) -> tuple[int, list[bytes]]:
    """The chunks of `path` after `offset` (none when it does not exist yet)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            chunks = []
            while chunk := handle.read(CHUNK):
                chunks.append(chunk)
                offset += len(chunk)
            return offset, chunks
    except FileNotFoundError:
        return offset, []


def _remove_file(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _remove_tree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
