"""PostgreSQL for real: connections the server cuts (between calls, in the middle of a
transaction, at its commit) and what the store does about them, and `wonderland run --db` with
a PostgreSQL URL, reachable or not."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from conftest import DATA, Sandbox

from wonderland.db import JobStatus, LaunchStatus, Store, StoreError, connection
from wonderland.db.connection import database_url
from wonderland.db.store import JobEnd, JobStart

LAUNCH = {
    "created_by": "tester", "name": "wf.cwl", "workflow_uri": "file:///wf.cwl",
    "document": "{}", "document_sha256": "d" * 64, "job_order": "{}",
    "job_order_sha256": "j" * 64, "work_dir": "/work/launch", "owner": "host:1:1",
}


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    opened = Store(postgres_url)
    yield opened
    opened.close()


@pytest.fixture
def admin(postgres_url: str) -> Iterator[sa.Connection]:
    """Another connection to the test's database, for cutting the store's connections."""
    engine = sa.create_engine(database_url(postgres_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def terminate(admin: sa.Connection, pids: list[int]) -> None:
    """pg_terminate_backend each of `pids`, and wait until the server has let them go."""
    for pid in pids:
        assert admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    alive = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
    deadline = time.monotonic() + 10
    while admin.execute(alive, {"pids": pids}).scalar_one():
        assert time.monotonic() < deadline, f"backends {pids} still alive"
        time.sleep(0.02)


def other_backends(admin: sa.Connection) -> list[int]:
    return list(admin.execute(sa.text(
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )).scalars())


def cut_connection_before(store: Store, event: str, times: int | None = 1) -> list[int]:
    """Terminate the store's connection just before its next `event` ("INSERT INTO t" or
    "commit"), `times` times (None: always); returns the terminated pids as they happen."""
    cut: list[int] = []
    admin_engine = sa.create_engine(store.engine.url, isolation_level="AUTOCOMMIT")

    def kill(conn: sa.Connection) -> None:
        if times is None or len(cut) < times:
            pid = conn.connection.dbapi_connection.get_backend_pid()
            with admin_engine.connect() as admin:
                terminate(admin, [pid])
            cut.append(pid)

    if event == "commit":
        sa.event.listen(store.engine, "commit", kill)
    else:
        def before(conn, _cursor, statement, *_args) -> None:
            if statement.startswith(event):
                kill(conn)
        sa.event.listen(store.engine, "before_cursor_execute", before)
    return cut


def test_connections_cut_between_calls_are_replaced_and_nothing_is_lost(
    store: Store, admin: sa.Connection
) -> None:
    launch_id = store.create_launch(**LAUNCH, labels={"team": "ml"})
    store.start_jobs(launch_id, [JobStart("a", "a", "local", {"x": 1})])
    pids = other_backends(admin)
    assert pids, "the store keeps a pooled connection"
    terminate(admin, pids)

    store.finish_jobs(launch_id, [JobEnd("a", JobStatus.SUCCEEDED, {"out": 1}, 0)])
    store.start_jobs(launch_id, [JobStart("b", "b", "local", {})])
    assert store.set_launch_status(launch_id, LaunchStatus.SUCCEEDED, outputs={"out": 1})

    assert not set(pids) & set(other_backends(admin))  # new connections did the work
    launch = store.get_launch(launch_id)
    assert (launch.status, launch.outputs) == (LaunchStatus.SUCCEEDED, {"out": 1})
    assert store.labels_of([launch_id]) == {launch_id: {"team": "ml"}}
    assert [(j.job_key, j.status, j.outputs) for j in store.jobs(launch_id)] == [
        ("a", JobStatus.SUCCEEDED, {"out": 1}), ("b", JobStatus.RUNNING, None)
    ]


def test_a_transaction_cut_halfway_is_run_again_whole(store: Store) -> None:
    """The launch row is written, then the connection dies before its labels: the whole
    transaction runs again on a new connection, so there is one launch, with its labels."""
    cut = cut_connection_before(store, "INSERT INTO launch_label")
    launch_id = store.create_launch(**LAUNCH, labels={"team": "ml", "run": "7"})
    assert len(cut) == 1
    assert [launch.id for launch in store.list_launches()] == [launch_id]
    assert store.labels_of([launch_id]) == {launch_id: {"team": "ml", "run": "7"}}


def test_step_starts_cut_halfway_are_recorded_once(store: Store) -> None:
    launch_id = store.create_launch(**LAUNCH)
    known: set[str] = set()
    cut = cut_connection_before(store, "INSERT INTO kubernetes_job")
    store.record_jobs(launch_id, starts=[JobStart(k, k, "local", {}) for k in "abc"],
                      known_keys=known)
    assert len(cut) == 1
    assert known == {"a", "b", "c"}
    assert [(j.job_key, j.attempt) for j in store.jobs(launch_id)] == [
        ("a", 1), ("b", 1), ("c", 1)
    ]


@contextlib.contextmanager
def connections_refused(server: sa.Engine, database: str) -> Iterator[sa.Connection]:
    """`database` refuses new connections and has none left, until the block ends; yields a
    connection to the server's own database, from which it can be opened again early."""
    sql = 'ALTER DATABASE "{}" ALLOW_CONNECTIONS {}'
    with server.connect() as outside:
        outside.execute(sa.text(sql.format(database, "false")))
        pids = outside.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :db"), {"db": database}).scalars()
        terminate(outside, list(pids))
        try:
            yield outside
        finally:
            outside.execute(sa.text(sql.format(database, "true")))


def test_a_database_refusing_connections_for_a_moment_is_waited_for(
    store: Store, postgres_server: sa.Engine
) -> None:
    launch_id = store.create_launch(**LAUNCH)
    database = store.engine.url.database
    with connections_refused(postgres_server, database) as outside:
        reopen = threading.Timer(0.5, outside.execute, [
            sa.text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        ])
        reopen.start()
        try:
            assert store.set_launch_status(launch_id, LaunchStatus.SUCCEEDED)
        finally:
            reopen.join()
    assert store.get_launch(launch_id).status == LaunchStatus.SUCCEEDED


def test_a_database_refusing_connections_for_good_is_a_store_error(
    store: Store, postgres_server: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "BACKOFF_SECONDS", 0.01)
    database = store.engine.url.database
    with connections_refused(postgres_server, database), pytest.raises(
        StoreError, match=f'cannot connect: .*"{database}" is not currently accepting connections'
    ):
        store.list_launches()


def test_a_connection_that_keeps_dying_is_a_store_error_after_a_few_attempts(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "BACKOFF_SECONDS", 0.01)
    cut = cut_connection_before(store, "INSERT INTO pipeline_launch", times=None)
    with pytest.raises(StoreError, match=r"^database postgresql\+psycopg2://wonderland:\*\*\*@"
                                         r".*: connection lost: server closed the connection"):
        store.create_launch(**LAUNCH)
    assert len(cut) == connection.RETRIES + 1
    assert store.list_launches() == []


def test_a_connection_cut_at_the_commit_is_an_error_not_a_guess(store: Store) -> None:
    cut_connection_before(store, "commit")
    with pytest.raises(StoreError, match="while committing, so the last change may or may not"):
        store.create_launch(**LAUNCH)


def test_wonderland_run_records_into_postgresql(sandbox: Sandbox, postgres_url: str) -> None:
    job = sandbox.root / "job.json"
    sandbox.root.mkdir(parents=True, exist_ok=True)
    job.write_text('{"letters": ["x", "y"], "numbers": ["1", "2"]}')
    result = sandbox.run(["--db", postgres_url, DATA / "scatter_dotproduct.cwl", job], db=False)
    assert result.returncode == 0, result.stderr
    assert result.json() == {"joined": ["x-1", "y-2"]}
    assert not sandbox.db_path.exists()

    store = Store(postgres_url)
    try:
        assert store.engine.dialect.name == "postgresql"
        [launch] = store.list_launches()
        assert (launch.status, launch.outputs) == (LaunchStatus.SUCCEEDED, result.json())
        jobs = store.jobs(launch.id)
        assert {j.job_key: j.status for j in jobs} == {
            "join[0]": JobStatus.SUCCEEDED, "join[1]": JobStatus.SUCCEEDED
        }
    finally:
        store.close()


def test_wonderland_run_with_an_unreachable_postgresql_is_one_line(sandbox: Sandbox) -> None:
    job = sandbox.root / "job.json"
    sandbox.root.mkdir(parents=True, exist_ok=True)
    job.write_text('{"letters": ["x"], "numbers": ["1"]}')
    result = sandbox.run(
        ["--db", "postgresql://someone:s3cret@127.0.0.1:1/x", DATA / "scatter_dotproduct.cwl", job],
        db=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "wonderland: cannot open database postgresql://someone:***@127.0.0.1:1/x: connection to"
        ' server at "127.0.0.1", port 1 failed: Connection refused'
    ]
