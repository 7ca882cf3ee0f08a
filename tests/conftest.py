"""Shared fixtures: running the real `wonderland` command in a subprocess against a per-test
SQLite database and work area, and opening that database with the real `Store`; and a fresh
database per test on SQLite and on a real PostgreSQL server (`db_url`).

PostgreSQL comes from WONDERLAND_TEST_POSTGRES_URL, which `scripts/postgres.sh` sets when it
starts a throw-away server (`scripts/test.sh` runs the tests through it). Without that variable
a test that needs PostgreSQL fails and says so, unless WONDERLAND_SKIP_POSTGRES=1 skips it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from wonderland.db import Store
from wonderland.db.connection import database_url
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


POSTGRES_URL_VARIABLE = "WONDERLAND_TEST_POSTGRES_URL"
SKIP_POSTGRES_VARIABLE = "WONDERLAND_SKIP_POSTGRES"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on the test server's own database, for making and dropping
    databases; fails (or skips, with WONDERLAND_SKIP_POSTGRES=1) when there is no server."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        if os.environ.get(SKIP_POSTGRES_VARIABLE) == "1":
            pytest.skip(f"{SKIP_POSTGRES_VARIABLE}=1: PostgreSQL tests skipped")
        pytest.fail(
            f"no PostgreSQL server: {POSTGRES_URL_VARIABLE} is not set. Run the tests with"
            " `bash scripts/test.sh` or `bash scripts/postgres.sh python -m pytest ...` (they"
            f" start one), or set {SKIP_POSTGRES_VARIABLE}=1 to skip these tests",
            pytrace=False,
        )
    engine = sa.create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        pytest.fail(f"PostgreSQL at {POSTGRES_URL_VARIABLE} does not answer: {exc.orig}",
                    pytrace=False)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_server: sa.Engine) -> Iterator[str]:
    """The URL (postgresql://, password included) of a new, empty database, dropped after the
    test with whatever connections it still has."""
    name = f"test_{uuid.uuid4().hex}"
    with postgres_server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server = sa.engine.make_url(os.environ[POSTGRES_URL_VARIABLE])
    yield server.set(database=name).render_as_string(hide_password=False)
    with postgres_server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty database for this test, once on each backend:

    - `sqlite`: `sqlite:///` a file under the test's tmp_path (its folder not yet made);
    - `postgresql`: `postgresql://user:password@127.0.0.1:PORT/test_<hex>`, a database of its
      own on the test server (`postgres_url`), dropped after the test.

    Tests that take it run twice, `[sqlite]` and `[postgresql]`; pass the URL to `Store`, to
    `wonderland run --db` or to a server. The PostgreSQL run fails when there is no server
    (see the module docstring), or is skipped with WONDERLAND_SKIP_POSTGRES=1.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'state.db'}"
    return request.getfixturevalue("postgres_url")
