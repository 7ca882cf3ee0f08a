"""The service end to end: a real `wonderland serve` over mutual TLS, the real Python client,
real state databases (SQLite and PostgreSQL). A launch survives SIGKILL of the server without
running its finished steps again; callers without a good certificate are refused, and a user
sees nothing of another's launches; bad submissions are INVALID_ARGUMENT and write no row."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from conftest import DATA
from servers import Pki, ServerProcess, make_pki

from wonderland.client import Client, ClientError
from wonderland.client.credentials import channel_credentials
from wonderland.db import Store
from wonderland.protos import wonderland_pb2 as pb
from wonderland.protos import wonderland_pb2_grpc

ITEMS = list(range(6))
WAIT = 180


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def server(tmp_path: Path, db_url: str, pki: Pki) -> Iterator[ServerProcess]:
    running = ServerProcess(tmp_path / "server", db_url, pki).start()
    yield running
    running.stop()


def log_counts(log: Path) -> collections.Counter:
    lines = log.read_text().split() if log.exists() else []
    return collections.Counter(int(line) for line in lines)


def step_states(client: Client, launch_id: int) -> dict[str, int]:
    """The launch's steps and their states; fails the test if the launch ended already."""
    launch = client.get(launch_id)
    assert launch.status in (pb.LAUNCH_STATUS_PENDING, pb.LAUNCH_STATUS_RUNNING), (
        f"launch ended early: {pb.LaunchStatus.Name(launch.status)}: {launch.message}")
    return {step.name: step.status for step in launch.steps}


def test_launch_survives_sigkill_of_the_server(
    server: ServerProcess, tmp_path: Path, db_url: str
) -> None:
    log = tmp_path / "side-effects.log"
    client = server.client("alice")
    launch = client.submit(DATA / "resume_scatter.cwl",
                           {"items": ITEMS, "log": str(log), "seconds": 1.5})
    deadline = time.monotonic() + WAIT
    while True:  # some steps done, some still running
        states = step_states(client, launch.id)
        done = {name for name, state in states.items() if state == pb.STEP_STATUS_SUCCEEDED}
        running = [name for name, state in states.items() if state == pb.STEP_STATUS_RUNNING]
        if len(done) >= 2 and running:
            break
        assert time.monotonic() < deadline, f"no progress: {states}"
        time.sleep(0.05)
    server.kill()
    store = Store(db_url)
    try:  # what the database says had finished when the server died
        finished = {job.job_key for job in store.jobs(launch.id) if job.status.name == "SUCCEEDED"}
    finally:
        store.close()
    assert finished >= done
    ran_before = log_counts(log)
    client.close()

    server.start()
    client = server.client("alice")
    ended = client.wait(launch.id, timeout=WAIT, progress=False)
    assert ended.status == pb.LAUNCH_STATUS_SUCCEEDED, ended.message
    assert json.loads(ended.outputs) == {
        "gathered": ",".join(f"item-{item}" for item in ITEMS)
    }
    counts = log_counts(log)
    finished_items = {int(name.split("[")[1].rstrip("]")) for name in finished
                      if name.startswith("work[")}
    assert len(finished_items) >= 2
    for item in ITEMS:
        if item in finished_items:
            assert counts[item] == 1, f"item {item} finished before the kill but ran again"
        else:
            assert counts[item] >= ran_before[item], counts
            assert counts[item] >= 1
    assert "resumed" in server.log.read_text()


def test_outputs_logs_and_listing_through_the_client(server: ServerProcess, tmp_path: Path,
                                                     ) -> None:
    text = tmp_path / "input.txt"
    text.write_text("one\ntwo\nthree\n")
    with server.client("alice") as client:
        launch = client.submit(DATA / "count_lines.cwl", {"text": {"class": "File",
                                                                   "path": str(text)}},
                               labels={"project": "demo"})
        launch.wait(timeout=WAIT, progress=False)
        assert launch.status == "SUCCEEDED", launch.message.message
        assert launch.outputs(tmp_path / "got") == {"lines": 3}
        assert [found.id for found in client.list(labels={"project": "demo"})] == [launch.id]
        assert client.list(labels={"project": "other"}) == []
        assert client.list(statuses=["FAILED"]) == []
        step = launch.message.steps[0].name
        assert launch.logs(step) == ""  # wc's stdout goes to its output file, nothing else


# --- who may call, and what they see --------------------------------------------------------


def _health_code(address: str, credentials: grpc.ChannelCredentials) -> grpc.StatusCode:
    with grpc.secure_channel(address, credentials) as channel:
        stub = wonderland_pb2_grpc.WonderlandStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.ListLaunches(pb.ListLaunchesRequest(), timeout=10)
    return refused.value.code()


def test_callers_without_a_certificate_of_our_ca_are_refused(
    server: ServerProcess, pki: Pki
) -> None:
    ca = pki.ca.ca_cert.read_bytes()
    no_cert = grpc.ssl_channel_credentials(root_certificates=ca)
    assert _health_code(server.address, no_cert) == grpc.StatusCode.UNAVAILABLE
    stranger = grpc.ssl_channel_credentials(
        ca, pki.stranger.key.read_bytes(), pki.stranger.cert.read_bytes())
    assert _health_code(server.address, stranger) == grpc.StatusCode.UNAVAILABLE
    with grpc.insecure_channel(server.address) as channel, pytest.raises(grpc.RpcError):
        wonderland_pb2_grpc.WonderlandStub(channel).ListLaunches(
            pb.ListLaunchesRequest(), timeout=10)


def test_users_see_only_their_own_launches_and_admins_see_all(
    server: ServerProcess, tmp_path: Path
) -> None:
    alice, bob, root = (server.client(name) for name in ("alice", "bob", "root"))
    launch = alice.submit(DATA / "resume_scatter.cwl",
                          {"items": [1], "log": str(tmp_path / "log"), "seconds": 0.1})
    alice.wait(launch.id, timeout=WAIT, progress=False)
    assert [found.id for found in alice.list()] == [launch.id]
    assert bob.list() == []
    assert [(found.id, found.created_by) for found in root.list()] == [(launch.id, "alice")]
    for call in (lambda: bob.get(launch.id), lambda: bob.cancel(launch.id),
                 lambda: list(bob.watch(launch.id)),
                 lambda: list(bob.logs(launch.id, "work[0]")),
                 lambda: bob.download(launch.id, "anything", tmp_path / "x")):
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.code == grpc.StatusCode.NOT_FOUND
        assert "no such launch of yours" in str(refused.value)
    assert root.get(launch.id).created_by == "alice"
    for client in (alice, bob, root):
        client.close()


def test_cancel_stops_a_running_launch(server: ServerProcess, tmp_path: Path) -> None:
    log = tmp_path / "log"
    with server.client("alice") as client:
        launch = client.submit(DATA / "resume_scatter.cwl",
                               {"items": ITEMS, "log": str(log), "seconds": 30})
        deadline = time.monotonic() + WAIT
        while pb.STEP_STATUS_RUNNING not in step_states(client, launch.id).values():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.cancel(launch.id).status == pb.LAUNCH_STATUS_CANCELLED
        ended = client.wait(launch.id, timeout=WAIT, progress=False)
        assert ended.status == pb.LAUNCH_STATUS_CANCELLED
        assert ended.message == "cancelled by alice"
        deadline = time.monotonic() + WAIT
        while any(step.status == pb.STEP_STATUS_RUNNING for step in client.get(launch.id).steps):
            assert time.monotonic() < deadline, "steps still running after cancel"
            time.sleep(0.1)
        with pytest.raises(ClientError, match="has ended already"):
            client.cancel(launch.id)


# --- bad input ------------------------------------------------------------------------------


def _stub_for(
    server: ServerProcess, pki: Pki
) -> tuple[grpc.Channel, wonderland_pb2_grpc.WonderlandStub]:
    files = pki.users["alice"]
    channel = grpc.secure_channel(
        server.address, channel_credentials(pki.ca.ca_cert, files.cert, files.key))
    return channel, wonderland_pb2_grpc.WonderlandStub(channel)


def _valid_document() -> str:
    return (DATA / "words.cwl").read_text()


BAD_PIPELINES = {
    "empty document": (pb.Pipeline(cwl_document=" "), "pipeline.cwl_document: empty"),
    "not CWL": (pb.Pipeline(cwl_document="just: text\n"), "not a CWL document"),
    "invalid CWL": (pb.Pipeline(cwl_document="cwlVersion: v1.2\nclass: CommandLineTool\n"
                                             "inputs: {a: NoSuchType}\noutputs: {}\n"),
                    "NoSuchType"),
    "missing input": (pb.Pipeline(cwl_document="WORDS", job_order="{}"),
                      "Missing required input parameter 'words'"),
    "wrong input type": (pb.Pipeline(cwl_document="WORDS", job_order='{"words": 3}'),
                         "invalid inputs"),
    "job order not JSON": (pb.Pipeline(cwl_document="WORDS", job_order="{words"),
                           "pipeline.job_order: not JSON"),
    "job order not an object": (pb.Pipeline(cwl_document="WORDS", job_order="[1]"),
                                "must be a JSON object"),
    "server file as input": (pb.Pipeline(
        cwl_document=(DATA / "count_lines.cwl").read_text(),
        job_order='{"text": {"class": "File", "location": "file:///etc/passwd"}}'),
        "is not one of your uploads"),
    "bad label": (pb.Pipeline(cwl_document="WORDS", labels={"bad key!": "x"}), "bad label"),
    "too many restarts": (pb.Pipeline(cwl_document="WORDS", restart_attempts=99),
                          "restart_attempts"),
    "oversized": (pb.Pipeline(cwl_document="WORDS", name="x",
                              job_order=json.dumps({"words": ["w" * 1000] * 1500})),
                  "more than this server's limit"),
}


@pytest.fixture
def small_limit_server(tmp_path: Path, db_url: str, pki: Pki) -> Iterator[ServerProcess]:
    running = ServerProcess(tmp_path / "server", db_url, pki,
                            extra_args=["--max-message-mb", "1"]).start()
    yield running
    running.stop()


def test_bad_submissions_are_invalid_argument_and_write_nothing(
    small_limit_server: ServerProcess, pki: Pki, db_url: str
) -> None:
    channel, stub = _stub_for(small_limit_server, pki)
    with channel:
        for case, (pipeline, detail) in BAD_PIPELINES.items():
            if pipeline.cwl_document == "WORDS":
                pipeline.cwl_document = _valid_document()
            with pytest.raises(grpc.RpcError) as refused:
                stub.SubmitPipeline(pb.SubmitPipelineRequest(pipeline=pipeline), timeout=60)
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, case
            assert detail in refused.value.details(), (case, refused.value.details())
            assert "\n" not in refused.value.details(), case
            assert "/launch-" not in refused.value.details(), case  # no server paths
    store = Store(db_url)
    try:
        assert store.list_launches() == []
    finally:
        store.close()
    launches = list((small_limit_server.work_dir).glob("launch-*"))
    assert launches == [], "a refused submission left its folder behind"


@pytest.mark.parametrize("method, streaming", [
    ("SubmitPipeline", False), ("GetLaunch", False), ("UploadFile", True),
])
def test_bytes_that_are_not_the_message_are_invalid_argument(
    small_limit_server: ServerProcess, pki: Pki, db_url: str, method: str, streaming: bool,
) -> None:
    channel, _ = _stub_for(small_limit_server, pki)
    path = f"/wonderland.v1.Wonderland/{method}"
    garbage = b"\xff\xff\xff\xff not a protobuf message"
    with channel, pytest.raises(grpc.RpcError) as refused:
        if streaming:
            channel.stream_unary(path)(iter([garbage]), timeout=30)
        else:
            channel.unary_unary(path)(garbage, timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == (
        f"{path}: the request is not a valid message for this method")
    store = Store(db_url)
    try:
        assert store.list_launches() == []
    finally:
        store.close()


@pytest.mark.parametrize("executor, detail", [
    (pb.ExecutorOptions(kind="kubernetes"), "runs steps with the local executor"),
    (pb.ExecutorOptions(namespace="team-a"), "need a server that runs steps as Kubernetes Jobs"),
    (pb.ExecutorOptions(default_image="python:3.11"), "need a server that runs steps as"),
])
def test_executor_options_this_server_cannot_honour_are_refused(
    small_limit_server: ServerProcess, pki: Pki, db_url: str, executor: pb.ExecutorOptions,
    detail: str,
) -> None:
    channel, stub = _stub_for(small_limit_server, pki)
    pipeline = pb.Pipeline(cwl_document=_valid_document(), name="x",
                           job_order=json.dumps({"words": ["a"]}), executor=executor)
    with channel, pytest.raises(grpc.RpcError) as refused:
        stub.SubmitPipeline(pb.SubmitPipelineRequest(pipeline=pipeline), timeout=60)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert detail in refused.value.details()
    store = Store(db_url)
    try:
        assert store.list_launches() == []
    finally:
        store.close()


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/../../b", "", "a//b"])
def test_upload_names_cannot_leave_the_work_area(
    server: ServerProcess, pki: Pki, name: str
) -> None:
    channel, stub = _stub_for(server, pki)
    with channel, pytest.raises(grpc.RpcError) as refused:
        stub.UploadFile(iter([
            pb.UploadFileRequest(header=pb.UploadFileRequest.Header(path=name)),
            pb.UploadFileRequest(chunk=b"data"),
        ]), timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert not (server.work_dir.parent / "escape").exists()


def test_insecure_is_refused_off_loopback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wonderland.engine.cli", "serve", "--insecure",
         "--listen", "0.0.0.0:0", "--db", f"sqlite:///{tmp_path / 'db'}",
         "--work-dir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "wonderland: --insecure is only allowed on a loopback address, not '0.0.0.0' "
        "(listen on 127.0.0.1, or use mutual TLS)"
    ]


def test_server_without_certificates_says_how_to_make_them(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wonderland.engine.cli", "serve", "--listen", "127.0.0.1:0",
         "--tls-dir", str(tmp_path / "no-ca"), "--db", f"sqlite:///{tmp_path / 'db'}"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "wonderland ca init" in lines[0], lines


def test_sigterm_stops_gracefully_and_the_launch_resumes(
    server: ServerProcess, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    with server.client("alice") as client:
        launch = client.submit(DATA / "resume_scatter.cwl",
                               {"items": ITEMS, "log": str(log), "seconds": 1.0})
        deadline = time.monotonic() + WAIT
        while not any(state == pb.STEP_STATUS_SUCCEEDED
                      for state in step_states(client, launch.id).values()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert server.stop() == 0
    assert "stopped" in server.log.read_text()
    server.start()
    with server.client("alice") as client:
        ended = client.wait(launch.id, timeout=WAIT, progress=False)
    assert ended.status == pb.LAUNCH_STATUS_SUCCEEDED, ended.message
    assert sorted(log_counts(log)) == ITEMS


def test_health_and_reflection_are_served(server: ServerProcess, pki: Pki) -> None:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    channel, _ = _stub_for(server, pki)
    with channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        response = next(stub.ServerReflectionInfo(iter([request]), timeout=30))
    names = {service.name for service in response.list_services_response.service}
    assert {"wonderland.v1.Wonderland", "grpc.health.v1.Health"} <= names


def test_embedded_client_runs_the_same_api_in_process(tmp_path: Path) -> None:
    """`Client.embedded()` is the real server in this process, on a Unix socket."""
    text = tmp_path / "input.txt"
    text.write_text("a\nb\n")
    with Client.embedded(db=f"sqlite:///{tmp_path / 'state.db'}",
                         work_dir=str(tmp_path / "work")) as client:
        launch = client.submit(DATA / "count_lines.cwl",
                               {"text": {"class": "File", "path": str(text)}})
        launch.wait(timeout=WAIT, progress=False)
        assert launch.status == "SUCCEEDED", launch.message.message
        assert launch.outputs(tmp_path / "out") == {"lines": 2}
        assert [found.id for found in client.list()] == [launch.id]


def test_listing_is_paged_newest_first(server: ServerProcess, pki: Pki) -> None:
    with server.client("alice") as client:
        ids = [client.submit(DATA / "words.cwl", {"words": [str(n)]}).id for n in range(3)]
        for launch_id in ids:
            client.wait(launch_id, timeout=WAIT, progress=False)
        assert [found.id for found in client.list(page_size=2)] == ids[::-1]
        assert [found.id for found in client.list(limit=2)] == ids[:0:-1]
        assert [found.id for found in client.list(statuses=["SUCCEEDED"])] == ids[::-1]
    channel, stub = _stub_for(server, pki)
    with channel, pytest.raises(grpc.RpcError) as refused:
        stub.ListLaunches(pb.ListLaunchesRequest(page_token="x"), timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a token this server gave" in refused.value.details()


def test_unreachable_database_at_start_is_one_line(tmp_path: Path, pki: Pki) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wonderland.engine.cli", "serve", "--listen", "127.0.0.1:0",
         "--tls-dir", str(pki.ca.ca_cert.parent),
         "--db", "postgresql://nobody:secret@127.0.0.1:1/none",
         "--work-dir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wonderland: "), lines
    assert "cannot open database postgresql://nobody:***@127.0.0.1:1/none" in lines[0]


def test_launches_submitted_at_once_each_run_once(server: ServerProcess, db_url: str) -> None:
    """A burst of submits wakes the supervisor many times while its runners have not claimed
    their launches yet: each launch must still get one runner (two used to run the same
    steps and fail on the unique job key)."""
    with server.client("alice") as client:
        ids = [client.submit(DATA / "words.cwl", {"words": [str(n), "x"]}).id for n in range(8)]
        ended = [client.wait(launch_id, timeout=WAIT, progress=False) for launch_id in ids]
    assert [(launch.status, json.loads(launch.outputs)) for launch in ended] == [
        (pb.LAUNCH_STATUS_SUCCEEDED, {"out": f"{n},x"}) for n in range(8)]
    log = server.log.read_text()
    assert "internal error" not in log and "Traceback" not in log, log
    assert log.count("started (runner pid") == len(ids), log
    store = Store(db_url)
    try:
        assert {job.attempt for launch_id in ids for job in store.jobs(launch_id)} == {1}
    finally:
        store.close()
