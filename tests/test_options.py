"""Options of `wonderland run` that change how steps run: cores accounting from
ResourceRequirement under --parallel, --tmpdir-prefix, --cachedir, and the progress line
that appears only when stderr is a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

from conftest import DATA, Sandbox


def spans(result) -> list[tuple[float, float]]:
    assert result.returncode == 0, result.stderr
    return [tuple(map(float, span.split())) for span in result.json()["spans"]]


def overlapping(found: list[tuple[float, float]]) -> bool:
    ordered = sorted(found)
    return any(later[0] < earlier[1] for earlier, later in zip(ordered, ordered[1:], strict=False))


def timed_run(tmp_path: Path, name: str, cores: int):
    job = tmp_path / f"{name}.json"
    job.write_text(json.dumps({"items": [1, 2], "cores": cores}))
    return Sandbox(tmp_path / name).run(["--parallel", "2", DATA / "timed_scatter.cwl", job])


def test_steps_share_the_cores_given_by_parallel(tmp_path: Path) -> None:
    assert overlapping(spans(timed_run(tmp_path, "one-core-each", 1)))
    assert not overlapping(spans(timed_run(tmp_path, "two-cores-each", 2)))


def test_tmpdir_prefix_is_where_tools_get_their_temporary_directory(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path / "run")
    prefix = tmp_path / "mine" / "scratch-"
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"log": str(tmp_path / "log")}))
    command = sandbox.command([DATA / "runtime_tmpdir.cwl", job])
    command[command.index("--tmpdir-prefix") + 1] = str(prefix)
    done = subprocess.run(command, env=sandbox.env(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tmpdir"].startswith(str(prefix))


def test_cachedir_reuses_a_finished_tool_run_across_launches(tmp_path: Path) -> None:
    log = tmp_path / "log"
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"log": str(log)}))
    cache = tmp_path / "cache"
    outputs = []
    for name in ("first", "second"):
        result = Sandbox(tmp_path / name).run(
            ["--cachedir", cache, "--fresh", DATA / "runtime_tmpdir.cwl", job]
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.json())
    assert log.read_text().splitlines() == ["ran"]  # the second launch did not run the tool
    assert outputs[0] == outputs[1]


def test_progress_line_only_on_a_terminal(tmp_path: Path) -> None:
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"items": [1, 2, 3], "cores": 1}))
    sandbox = Sandbox(tmp_path / "tty")
    sandbox.root.mkdir(parents=True)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        sandbox.command([DATA / "timed_scatter.cwl", job]),
        env=sandbox.env(), stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=60)
    os.close(leader)
    assert proc.returncode == 0
    text = seen.decode()
    assert "steps: 3 done, 0 running, 0 waiting" in text
    assert "running" in text and "\r" in text

    piped = Sandbox(tmp_path / "pipe").run([DATA / "timed_scatter.cwl", job])
    assert piped.returncode == 0
    assert "steps:" not in piped.stderr
