"""The client's command line end to end: the real `wonderland submit | status | ls | logs |
cancel | download` in subprocesses against a real `wonderland serve` (plaintext on loopback,
and once over mutual TLS from a config file), with the real Python client only to wait for a
launch. Bad input a user would type is one line on stderr and exit code 1."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DATA, Result
from servers import ServerProcess, make_pki

from wonderland.protos import wonderland_pb2 as pb

WAIT = 180
WONDERLAND = Path(sys.executable).parent / "wonderland"  # the installed console script
GREET = DATA / "greet_and_shout.cwl"
LIST_HEADER = ["ID", "STATUS", "NAME", "CREATED_BY", "CREATED"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("server")
    running = ServerProcess(root, f"sqlite:///{root / 'state.db'}").start()
    yield running
    running.stop()


@dataclass
class Cli:
    """`wonderland COMMAND ...` run in `cwd`, with an empty config folder; unless
    `connect=False`, the test server's address and --insecure follow COMMAND."""

    cwd: Path
    connection: list[str]

    def argv(self, command: str, *args: str | os.PathLike[str] | int,
             connect: bool = True) -> list[str]:
        return [str(WONDERLAND), command, *(self.connection if connect else []),
                *map(str, args)]

    def env(self) -> dict[str, str]:
        env = dict(os.environ, WONDERLAND_HOME=str(self.cwd / "home"),
                   XDG_CONFIG_HOME=str(self.cwd / "config"))
        env.pop("WONDERLAND_CONFIG", None)
        return env

    def __call__(self, command: str, *args: str | os.PathLike[str] | int,
                 connect: bool = True) -> Result:
        done = subprocess.run(
            self.argv(command, *args, connect=connect), cwd=self.cwd, env=self.env(),
            capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL, check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def cli(tmp_path: Path, server: ServerProcess) -> Cli:
    return Cli(tmp_path, ["--insecure", "--address", server.address])


@pytest.fixture
def greet_job(tmp_path: Path) -> Path:
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"name": "alice"}))
    return job


def assert_one_line_error(result: Result, expected: str) -> None:
    assert result.returncode == 1, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wonderland"), result.stderr
    assert expected in lines[0]


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def submitted_id(result: Result) -> int:
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"[0-9]+\n", result.stdout), result.stdout
    return int(result.stdout)


def table(text: str) -> list[list[str]]:
    """The rows of a table printed by the CLI (after its header), split into cells."""
    lines = text.splitlines()
    assert lines[0].split() == LIST_HEADER, text
    return [line.split() for line in lines[1:]]


def assert_greeted(outputs: dict, folder: Path) -> None:
    assert outputs["greeting"]["path"] == str(folder / "greeting.txt")
    assert (folder / "greeting.txt").read_text() == "hello, alice\n"
    assert outputs["shouted"]["path"] == str(folder / "shouted.txt")
    assert (folder / "shouted.txt").read_text() == "HELLO, ALICE\n"


def test_submit_wait_downloads_the_outputs_into_outdir(
    cli: Cli, tmp_path: Path, greet_job: Path
) -> None:
    result = cli("submit", "--wait", "--outdir", "out", GREET, greet_job.name)
    assert result.returncode == 0, result.stderr
    assert_greeted(result.json(), tmp_path / "out")


@dataclass(frozen=True)
class Greeted:
    """A launch of greet_and_shout.cwl submitted with `wonderland submit` (without --wait)
    and waited for; `run` is its label run=, which no other launch has."""

    id: int
    run: str


@pytest.fixture(scope="module")
def greeted(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Greeted:
    folder = tmp_path_factory.mktemp("greeted")
    (folder / "job.yaml").write_text("name: alice\n")
    run = uuid.uuid4().hex
    cli = Cli(folder, ["--insecure", "--address", server.address])
    launch_id = submitted_id(cli("submit", GREET, "job.yaml", "--name", "greeting",
                                 "--label", f"run={run}", "--label", "suite=cli"))
    with server.client() as client:
        ended = client.wait(launch_id, timeout=WAIT, progress=False)
    assert ended.status == pb.LAUNCH_STATUS_SUCCEEDED, ended.message
    return Greeted(launch_id, run)


def test_status_shows_the_launch_and_a_table_of_its_steps(cli: Cli, greeted: Greeted) -> None:
    status = cli("status", greeted.id)
    assert status.returncode == 0, status.stderr
    fields, steps = status.stdout.split("\n\n")
    assert fields.splitlines()[:4] == [f"launch:   {greeted.id}", "name:     greeting",
                                       "status:   SUCCEEDED", f"labels:   run={greeted.run}, "
                                                              "suite=cli"]
    assert re.search(r"^created:  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d by tester$", fields, re.M)
    rows = steps.splitlines()
    assert rows[0].split() == ["STEP", "STATUS", "EXIT", "ATTEMPT"]
    assert sorted(row.split() for row in rows[1:]) == [
        ["greet", "SUCCEEDED", "0", "1"], ["shout", "SUCCEEDED", "0", "1"]]


def test_status_json_is_the_launch_its_steps_and_outputs(cli: Cli, greeted: Greeted) -> None:
    described = cli("status", "--json", greeted.id).json()
    assert {key: described[key] for key in ("id", "name", "status", "created_by", "labels")} == {
        "id": greeted.id, "name": "greeting", "status": "SUCCEEDED", "created_by": "tester",
        "labels": {"run": greeted.run, "suite": "cli"}}
    assert described["finished_at"] is not None
    assert described["outputs"]["greeting"]["location"] == "greeting.txt"
    assert sorted((step["name"], step["status"], step["exit_code"], step["attempt"])
                  for step in described["steps"]) == [
        ("greet", "SUCCEEDED", 0, 1), ("shout", "SUCCEEDED", 0, 1)]


def test_ls_filters_by_label_and_status(cli: Cli, greeted: Greeted) -> None:
    listed = table(cli("ls", "--label", f"run={greeted.run}").stdout)
    assert [row[:4] for row in listed] == [[str(greeted.id), "SUCCEEDED", "greeting", "tester"]]
    only_failed = cli("ls", "--label", f"run={greeted.run}", "--status", "FAILED",
                      "--status", "cancelled")
    assert table(only_failed.stdout) == []


def test_ls_limit_and_all(cli: Cli, greeted: Greeted, greet_job: Path) -> None:
    newer = submitted_id(cli("submit", GREET, greet_job))
    assert [row[0] for row in table(cli("ls", "--limit", "1").stdout)] == [str(newer)]
    everything = [row[0] for row in table(cli("ls", "--all").stdout)]
    assert everything.index(str(newer)) < everything.index(str(greeted.id))


def test_logs_print_what_a_step_wrote(cli: Cli, greeted: Greeted) -> None:
    logs = cli("logs", greeted.id, "greet")
    assert (logs.returncode, logs.stdout) == (0, "greeting alice\n"), logs.stderr
    assert_one_line_error(cli("logs", greeted.id, "nostep"), "no step 'nostep' has started")


def test_download_writes_every_output_into_launch_id(
    cli: Cli, greeted: Greeted, tmp_path: Path
) -> None:
    downloaded = cli("download", greeted.id)
    assert downloaded.returncode == 0, downloaded.stderr
    assert_greeted(downloaded.json(), tmp_path / f"launch-{greeted.id}")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    assert_one_line_error(cli("download", greeted.id, "--outdir", not_a_folder),
                          f"wonderland: {not_a_folder}: file exists")


def test_interrupted_wait_leaves_the_launch_running_and_cancel_stops_it(
    cli: Cli, server: ServerProcess, tmp_path: Path
) -> None:
    side_effects = tmp_path / "side-effects.log"
    job = tmp_path / "slow.json"
    job.write_text(json.dumps({"item": 1, "log": str(side_effects), "seconds": 600}))
    waiting = subprocess.Popen(
        cli.argv("submit", "--wait", DATA / "record_and_sleep.cwl", job), cwd=cli.cwd,
        env=cli.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(side_effects.exists, "the slow step never started")
        waiting.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = waiting.communicate(timeout=WAIT)
        interrupted = Result(waiting.returncode, out, err)
    finally:
        waiting.kill()
    assert (interrupted.returncode, interrupted.stdout) == (130, ""), interrupted
    stopped = re.fullmatch(r"wonderland: stopped waiting; launch ([0-9]+) goes on "
                           r"\('wonderland cancel \1' stops it\)\n", interrupted.stderr)
    assert stopped, interrupted.stderr
    launch_id = int(stopped[1])
    assert cli("status", "--json", launch_id).json()["status"] == "RUNNING"

    cancelled = cli("cancel", launch_id)
    assert (cancelled.returncode, cancelled.stdout) == (0, f"launch {launch_id} CANCELLED\n")
    described = cli("status", "--json", launch_id).json()
    assert (described["status"], described["message"]) == ("CANCELLED", "cancelled by tester")
    with server.client() as client:
        wait_for(lambda: all(step.status != pb.STEP_STATUS_RUNNING
                             for step in client.get(launch_id).steps),
                 "the step still runs after cancel")
    assert_one_line_error(cli("cancel", launch_id), "has ended already (CANCELLED)")
    assert_one_line_error(cli("download", launch_id), "has no outputs: it is CANCELLED")


def test_submit_wait_exits_1_when_the_launch_fails(cli: Cli, tmp_path: Path) -> None:
    job = tmp_path / "fail.json"
    job.write_text(json.dumps({"item": 0, "log": str(tmp_path / "log"),
                               "flag": str(tmp_path / "no-flag")}))
    failed = cli("submit", "--wait", DATA / "fail_without_flag.cwl", job)
    assert_one_line_error(failed, "FAILED: the tool failed: exit code 3")


def test_a_server_that_is_not_running_is_one_line(cli: Cli) -> None:
    with socket.socket() as bound:  # a port that nothing listens on, and nothing else takes
        bound.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{bound.getsockname()[1]}"
        result = cli("ls", "--insecure", "--address", address, connect=False)
    assert_one_line_error(result, "list: the server does not answer (failed to connect")
    assert "(UNAVAILABLE)" in result.stderr


BAD_INPUT = {
    "unknown id": (["status", "99999"], True, "no such launch of yours"),
    "non-numeric id": (["cancel", "abc"], True, "not a whole number: 'abc'"),
    "zero id": (["logs", "0", "step"], True, "must be at least 1"),
    "bad label": (["submit", GREET, "--label", "project"], True, "expected KEY=VALUE"),
    "missing workflow": (["submit", "missing.cwl"], True, "missing.cwl: no such file"),
    "missing job": (["submit", GREET, "missing.yaml"], True, "missing.yaml: no such file"),
    "missing input": (["submit", GREET], True, "Missing required input parameter 'name'"),
    "outdir without wait": (["submit", "--outdir", "out", GREET], True, "--outdir needs --wait"),
    "unknown status": (["ls", "--status", "DONE"], True, "unknown status 'DONE'"),
    "limit and all": (["ls", "--limit", "3", "--all"], True, "not allowed with"),
    "no step": (["logs", "1"], True, "arguments are required: STEP"),
    "no certificate": (["ls"], False, "/config/wonderland/ca.crt: no such file"),
    "missing config": (["ls", "--config", "nope.yaml"], False, "nope.yaml: no such config file"),
}


@pytest.mark.parametrize(("args", "connect", "expected"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_is_one_line_and_exit_1(
    cli: Cli, args: list, connect: bool, expected: str
) -> None:
    assert_one_line_error(cli(*args, connect=connect), expected)
    assert list(cli.cwd.iterdir()) == [], "bad input left files behind"


def test_mutual_tls_from_the_config_file_or_options(tmp_path: Path, greet_job: Path) -> None:
    pki = make_pki(tmp_path / "pki", users=("alice",), admins=())
    alice = pki.users["alice"]
    tls_server = ServerProcess(tmp_path / "tls-server", f"sqlite:///{tmp_path / 'tls.db'}",
                               pki).start()
    try:
        config = tmp_path / "client.yaml"
        config.write_text(f"address: {tls_server.address}\nca: {pki.ca.ca_cert}\n"
                          f"cert: {alice.cert}\nkey: {alice.key}\n")
        cli = Cli(tmp_path, ["--config", str(config)])
        launch_id = submitted_id(cli("submit", "--wait", GREET, greet_job))
        listed = table(cli("ls").stdout)
        assert [row[:4] for row in listed] == [[str(launch_id), "SUCCEEDED",
                                                "greet_and_shout.cwl", "alice"]]
        by_options = cli("ls", "--address", tls_server.address, "--ca", pki.ca.ca_cert,
                         "--cert", alice.cert, "--key", alice.key, connect=False)
        assert table(by_options.stdout) == listed, by_options.stderr
        stranger = cli("ls", "--cert", pki.stranger.cert, "--key", pki.stranger.key)
        assert_one_line_error(stranger, "not issued by the CA")
    finally:
        tls_server.stop()
