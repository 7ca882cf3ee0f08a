"""Shared fixtures: running the real `wonderland` command in a subprocess against a per-test
SQLite database and work area, and opening that database with the real `Store`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wonderland.db import Store
from wonderland.db.store import LaunchRecord

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RUN_TIMEOUT = 120


@dataclass
class Result:
    """What a `wonderland run` left behind: exit code, stdout, stderr."""

    returncode: int
    stdout: str
    stderr: str

    def __iter__(self) -> Iterator[Any]:  # so that `code, out, err = run(...)` works
        return iter((self.returncode, self.stdout, self.stderr))

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Sandbox:
    """Where one test's runs keep their state: database, work dir, outputs, home."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def db_path(self) -> Path:
        return self.root / "state.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    @property
    def outdir(self) -> Path:
        return self.root / "out"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["WONDERLAND_HOME"] = str(self.home)
        # Tools such as wonderland-trainer are installed next to the interpreter.
        bindir = os.path.dirname(sys.executable)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        env.pop("PYTHONWARNINGS", None)
        return env

    def command(
        self,
        args: Sequence[str | os.PathLike[str]],
        *,
        db: bool = True,
        work_dir: bool = True,
        outdir: bool = True,
    ) -> list[str]:
        """The argv of `wonderland run` with this sandbox's options before `args`."""
        cmd = [sys.executable, "-m", "wonderland.engine.cli", "run"]
        if db:
            cmd += ["--db", self.db_url]
        if work_dir:
            cmd += ["--work-dir", str(self.work_dir)]
        if outdir:
            cmd += ["--outdir", str(self.outdir)]
        cmd += ["--tmpdir-prefix", str(self.root / "tmp" / "t-")]
        return cmd + [str(a) for a in args]

    def run(
        self,
        args: Sequence[str | os.PathLike[str]],
        *,
        cwd: Path | None = None,
        timeout: float = RUN_TIMEOUT,
        **options: bool,
    ) -> Result:
        """Run `wonderland run ARGS` to completion in a subprocess."""
        self.root.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            self.command(args, **options),
            check=False,
            cwd=cwd or self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def open_store(self) -> Store:
        return Store(self.db_url)

    def launches(self) -> list[LaunchRecord]:
        """Every launch in the sandbox's database, newest first ([] when there is no database)."""
        if not self.db_path.exists():
            return []
        store = self.open_store()
        try:
            return store.list_launches(limit=1000)
        finally:
            store.close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


RunWonderland = Callable[..., Result]


@pytest.fixture
def run_wonderland(sandbox: Sandbox) -> RunWonderland:
    """Run `wonderland run ARGS` to completion; returns a Result (iterable as code, out, err).

    The sandbox's --db, --work-dir, --outdir and --tmpdir-prefix come before ARGS; pass
    db=False (or work_dir=False, outdir=False) to leave one out. The working directory is
    the test's tmp_path unless `cwd` is given.
    """
    return sandbox.run


@pytest.fixture
def store(sandbox: Sandbox) -> Iterator[Store]:
    """The sandbox's state database, opened with the real Store (migrated on open)."""
    opened = sandbox.open_store()
    yield opened
    opened.close()


@pytest.fixture
def write_job(tmp_path: Path) -> Callable[..., Path]:
    """Write an input object into the test's directory (JSON, which is YAML); returns its path."""

    def write(inputs: dict[str, Any], name: str = "job.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(inputs, indent=2))
        return path

    return write
