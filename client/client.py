"""`wonderland.client.Client`: submit CWL workflows to a Wonderland server and follow them.

    client = Client()                          # address and certificates from config.yaml
    launch = client.submit("wf.cwl", "job.yaml")   # local input files are uploaded
    launch.wait()                              # a progress bar on a terminal
    launch.outputs("results/")                 # output files downloaded, the output object

`Client.embedded()` runs the same API on an in-process engine (an SQLite file and a work area
under the user's data directory), so code written on a laptop runs unchanged against a server.
Every failure the server reports is a `ClientError` whose message is one line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import grpc
from cwltool.utils import visit_class
from schema_salad.ref_resolver import file_uri
from tqdm import tqdm

from wonderland.client.config import ConfigError, load_config
from wonderland.client.credentials import CredentialsError, channel_credentials
from wonderland.client.uploads import Uploader, UploadError
from wonderland.protos import wonderland_pb2 as pb
from wonderland.protos import wonderland_pb2_grpc

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
RECONNECT_INTERVAL = 1.0
STATUS_NAMES = {value: name.removeprefix("LAUNCH_STATUS_")
                for name, value in pb.LaunchStatus.items()}
_ENDED = {pb.LAUNCH_STATUS_SUCCEEDED, pb.LAUNCH_STATUS_FAILED, pb.LAUNCH_STATUS_CANCELLED}
_RETRIED = {grpc.StatusCode.UNAVAILABLE}


class ClientError(Exception):
    """A call that failed, in one line; `code` is the gRPC status code when the server said
    no (None for a local problem)."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.code = code


def _failed(exc: grpc.RpcError, what: str) -> ClientError:
    code = exc.code() if hasattr(exc, "code") else None
    detail = exc.details() if hasattr(exc, "details") else str(exc)
    if code == grpc.StatusCode.UNAVAILABLE:
        detail = f"the server does not answer ({' '.join((detail or '').split())})"
    name = code.name if code is not None else "error"
    subject = (detail or "").split(":", 1)[0]  # the server often names the launch itself
    message = detail if subject and what.startswith(subject) else f"{what}: {detail}"
    return ClientError(f"{message} ({name})", code)


def status_name(status: int) -> str:
    return STATUS_NAMES.get(status, str(status))


class Client:
    """A connection to one Wonderland server (or to an embedded engine)."""

    def __init__(
        self,
        address: str | None = None,
        *,
        ca: str | os.PathLike[str] | None = None,
        cert: str | os.PathLike[str] | None = None,
        key: str | os.PathLike[str] | None = None,
        insecure: bool | None = None,
        config: str | os.PathLike[str] | None = None,
        timeout: float = 60.0,
    ) -> None:
        """Arguments left out come from the config file (`wonderland.client.config`)."""
        settings = None
        if address is None or insecure is None or not (insecure or (ca and cert and key)):
            try:
                settings = load_config(config)
            except ConfigError as exc:
                raise ClientError(str(exc)) from None
            insecure = settings.insecure if insecure is None else insecure
        self.address = address or settings.address
        self.timeout = timeout
        options = [("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
        if insecure:
            self._channel = grpc.insecure_channel(self.address, options=options)
        else:
            try:
                credentials = channel_credentials(ca or settings.ca, cert or settings.cert,
                                                  key or settings.key)  # type: ignore[union-attr]
            except CredentialsError as exc:
                raise ClientError(str(exc)) from None
            self._channel = grpc.secure_channel(self.address, credentials, options=options)
        self._stub = wonderland_pb2_grpc.WonderlandStub(self._channel)
        self._embedded = None

    @classmethod
    def embedded(
        cls, *, db: str | None = None, work_dir: str | None = None,
        parallel: int | None = None, max_launches: int = 4,
    ) -> Client:
        """A client of an engine started in this process (stopped by `close`)."""
        from wonderland.client.embedded import EmbeddedEngine

        engine = EmbeddedEngine(db=db, work_dir=work_dir, parallel=parallel,
                                max_launches=max_launches)
        client = cls(engine.address, insecure=True)
        client._embedded = engine
        return client

    def close(self) -> None:
        self._channel.close()
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- launches --------------------------------------------------------------------------

    def submit(
        self,
        workflow: str | os.PathLike[str],
        inputs: Mapping[str, Any] | str | os.PathLike[str] | None = None,
        *,
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
        parallel: int = 0,
        restart_attempts: int = 0,
        namespace: str = "",
        default_image: str = "",
        progress: bool | None = None,
    ) -> Launch:
        """Pack `workflow`, upload the local files of `inputs` (a dict, or a YAML/JSON file)
        and submit them; the launch runs on the server as soon as it has a slot. `namespace`
        and `default_image` choose, on a server running steps as Kubernetes Jobs, where its
        Jobs go and the image of tools without a DockerRequirement (empty: the server's)."""
        from wonderland.client import documents  # cwltool's loader: only when submitting

        try:
            document = documents.pack(workflow)
            order = documents.job_order(inputs)
            shown = _show_progress(progress)
            uploader = Uploader(self._stub, self.timeout, progress=(
                (lambda path, size: print(f"uploaded {path} ({size} bytes)", file=sys.stderr))
                if shown else None))
            order = uploader.localize(order)
        except (documents.DocumentError, UploadError) as exc:
            raise ClientError(str(exc)) from None
        except grpc.RpcError as exc:
            raise _failed(exc, "upload") from None
        pipeline = pb.Pipeline(
            name=name or os.path.basename(os.fspath(workflow)),
            cwl_document=document,
            job_order=json.dumps(order),
            labels=dict(labels or {}),
            executor=pb.ExecutorOptions(parallel=parallel, namespace=namespace,
                                        default_image=default_image),
            restart_attempts=restart_attempts,
        )
        response = self._call("submit", self._stub.SubmitPipeline,
                              pb.SubmitPipelineRequest(pipeline=pipeline))
        return Launch(self, response.launch)

    def launch(self, launch_id: int) -> Launch:
        """A handle on an existing launch."""
        return Launch(self, self.get(launch_id))

    def get(self, launch_id: int) -> pb.Launch:
        return self._call(f"launch {launch_id}", self._stub.GetLaunch,
                          pb.GetLaunchRequest(launch_id=launch_id)).launch

    def list(
        self, *, statuses: Sequence[str | int] = (), labels: Mapping[str, str] | None = None,
        limit: int | None = 100, page_size: int = 100,
    ) -> list[pb.Launch]:
        """Launches newest first (yours; everyone's for an admin), filtered by status names
        ("RUNNING") and labels."""
        wanted = [_status_value(s) for s in statuses]
        found: list[pb.Launch] = []
        token = ""
        while limit is None or len(found) < limit:
            size = page_size if limit is None else min(page_size, limit - len(found))
            page = self._call("list", self._stub.ListLaunches, pb.ListLaunchesRequest(
                statuses=wanted, labels=dict(labels or {}), page_size=size, page_token=token))
            found.extend(page.launches)
            token = page.next_page_token
            if not token:
                break
        return found

    def watch(self, launch_id: int) -> Iterator[pb.WatchLaunchResponse]:
        """The launch as it is, then each change, until it ends."""
        try:
            yield from self._stub.WatchLaunch(pb.WatchLaunchRequest(launch_id=launch_id))
        except grpc.RpcError as exc:
            raise _failed(exc, f"launch {launch_id}") from None

    def wait(self, launch_id: int, *, timeout: float | None = None,
             progress: bool | None = None) -> pb.Launch:
        """Follow the launch until it ends and return it (with its steps). A server that goes
        away meanwhile is waited for (a restarted server resumes the launch)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = _ProgressBar(launch_id, _show_progress(progress))
        try:
            while True:
                try:
                    for event in self._stub.WatchLaunch(
                        pb.WatchLaunchRequest(launch_id=launch_id),
                        timeout=None if deadline is None else max(0.1, deadline - time.monotonic()),
                    ):
                        bar.update(event)
                        if event.launch.status in _ENDED:
                            return self.get(launch_id)
                except grpc.RpcError as exc:
                    if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                        raise ClientError(f"launch {launch_id}: still running after {timeout} s",
                                          exc.code()) from None
                    if exc.code() not in _RETRIED:
                        raise _failed(exc, f"launch {launch_id}") from None
                    bar.note("server unavailable, waiting for it")
                if deadline is not None and time.monotonic() > deadline:
                    raise ClientError(f"launch {launch_id}: still running after {timeout} s")
                time.sleep(RECONNECT_INTERVAL)
        finally:
            bar.close()

    def cancel(self, launch_id: int) -> pb.Launch:
        return self._call(f"cancel {launch_id}", self._stub.CancelLaunch,
                          pb.CancelLaunchRequest(launch_id=launch_id)).launch

    def logs(self, launch_id: int, step: str, *, follow: bool = False) -> Iterator[bytes]:
        """A step job's stdout and stderr, in chunks; with `follow`, until the step ends."""
        request = pb.GetStepLogsRequest(launch_id=launch_id, step_name=step, follow=follow)
        try:
            for message in self._stub.GetStepLogs(request):
                yield message.data
        except grpc.RpcError as exc:
            raise _failed(exc, f"launch {launch_id} step {step}") from None

    def download(self, launch_id: int, path: str, destination: str | os.PathLike[str]) -> str:
        """One output file (a location of the launch's outputs) into `destination`, written
        whole or not at all."""
        destination = os.fspath(destination)
        os.makedirs(os.path.dirname(os.path.abspath(destination)), exist_ok=True)
        partial = destination + ".part"
        try:
            with open(partial, "wb") as handle:
                for message in self._stub.DownloadOutput(
                    pb.DownloadOutputRequest(launch_id=launch_id, path=path)
                ):
                    handle.write(message.chunk)
            os.replace(partial, destination)
        except grpc.RpcError as exc:
            _remove(partial)
            raise _failed(exc, f"launch {launch_id} output {path}") from None
        except BaseException:
            _remove(partial)
            raise
        return destination

    def outputs(self, launch_id: int, destination: str | os.PathLike[str] | None = None,
                ) -> dict[str, Any]:
        """The output object of a succeeded launch, with every output file downloaded into
        `destination` (default: ./launch-ID) and located there."""
        launch = self.get(launch_id)
        if launch.status != pb.LAUNCH_STATUS_SUCCEEDED:
            raise ClientError(f"launch {launch_id} has no outputs: it is "
                              f"{status_name(launch.status)}"
                              + (f" ({launch.message})" if launch.message else ""))
        folder = os.path.abspath(os.fspath(destination or f"launch-{launch_id}"))
        outputs = json.loads(launch.outputs or "{}")

        def fetch(obj: dict[str, Any]) -> None:
            relative = obj.get("location")
            if not isinstance(relative, str) or "://" in relative:
                return
            local = os.path.join(folder, relative)
            if obj["class"] == "File":
                self.download(launch_id, relative, local)
            else:
                os.makedirs(local, exist_ok=True)
            obj["location"] = file_uri(local)
            obj["path"] = local

        visit_class(outputs, ("File", "Directory"), fetch)
        return outputs

    def _call(self, what: str, method, request):
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            raise _failed(exc, what) from None


class Launch:
    """A launch on the server, as last seen; its methods call the server."""

    def __init__(self, client: Client, message: pb.Launch) -> None:
        self.client = client
        self.message = message

    @property
    def id(self) -> int:
        return self.message.id

    @property
    def status(self) -> str:
        return status_name(self.message.status)

    @property
    def done(self) -> bool:
        return self.message.status in _ENDED

    def refresh(self) -> Launch:
        self.message = self.client.get(self.id)
        return self

    def wait(self, *, timeout: float | None = None, progress: bool | None = None) -> Launch:
        self.message = self.client.wait(self.id, timeout=timeout, progress=progress)
        return self

    def watch(self) -> Iterator[pb.WatchLaunchResponse]:
        return self.client.watch(self.id)

    def cancel(self) -> Launch:
        self.message = self.client.cancel(self.id)
        return self

    def logs(self, step: str, *, follow: bool = False) -> str:
        return b"".join(self.client.logs(self.id, step, follow=follow)).decode(errors="replace")

    def outputs(self, destination: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        return self.client.outputs(self.id, destination)

    def __repr__(self) -> str:
        return f"<Launch {self.id} {self.status}>"


class _ProgressBar:
    """Steps done, running and failed of a watched launch, on stderr."""

    def __init__(self, launch_id: int, shown: bool) -> None:
        self._steps: dict[str, int] = {}
        self._bar = tqdm(desc=f"launch {launch_id}", unit=" steps", file=sys.stderr,
                         disable=not shown, bar_format="{desc} [{elapsed}]")
        self._name = f"launch {launch_id}"

    def update(self, event: pb.WatchLaunchResponse) -> None:
        for step in list(event.launch.steps) + list(event.changed_steps):
            self._steps[step.name] = step.status
        counts = {name: 0 for name in ("done", "running", "failed")}
        for status in self._steps.values():
            if status == pb.STEP_STATUS_SUCCEEDED:
                counts["done"] += 1
            elif status == pb.STEP_STATUS_RUNNING:
                counts["running"] += 1
            elif status in (pb.STEP_STATUS_FAILED, pb.STEP_STATUS_CANCELLED):
                counts["failed"] += 1
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self._bar.set_description_str(
            f"{self._name}: {status_name(event.launch.status)}, {summary}")

    def note(self, text: str) -> None:
        self._bar.set_description_str(f"{self._name}: {text}")

    def close(self) -> None:
        self._bar.close()


def _show_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def _status_value(status: str | int) -> int:
    if isinstance(status, int):
        return status
    try:
        return pb.LaunchStatus.Value("LAUNCH_STATUS_" + status.upper())
    except ValueError:
        names = ", ".join(n for n in STATUS_NAMES.values() if n != "UNSPECIFIED")
        raise ClientError(f"unknown status {status!r} (one of {names})") from None


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
