"""The Store on a real SQLite file and on a real PostgreSQL database (every test that takes
`db` or `db_url` runs on both): migrations to the head revision and from 0001, launches, their
labels and the queries a server makes, step jobs, and the transition rules (finished jobs never
change; refused moves change nothing)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from wonderland.db import JobStatus, LaunchStatus, Store, StoreError, migrate
from wonderland.db.connection import open_engine
from wonderland.db.schema import metadata
from wonderland.db.states import IllegalTransition
from wonderland.db.store import JobEnd, JobStart

DOC_SHA = "d" * 64
JOB_SHA = "j" * 64


@pytest.fixture
def db(db_url: str) -> Iterator[Store]:
    opened = Store(db_url)
    yield opened
    opened.close()


def new_launch(db: Store, *, document_sha: str = DOC_SHA, job_sha: str = JOB_SHA, **extra) -> int:
    fields = {
        "created_by": "tester",
        "name": "wf.cwl",
        "workflow_uri": "file:///wf.cwl",
        "document": '{"class": "Workflow"}',
        "document_sha256": document_sha,
        "job_order": "{}",
        "job_order_sha256": job_sha,
        "work_dir": "/work/launch",
        "owner": "host:1:1",
    }
    fields.update(extra)
    return db.create_launch(**fields)


def start(key: str, executor: str = "local") -> JobStart:
    return JobStart(key, key.split("[")[0], executor, {"x": 1})


def statuses(db: Store, launch_id: int) -> dict[str, JobStatus]:
    return {job.job_key: job.status for job in db.jobs(launch_id)}


# -- migrations ---------------------------------------------------------------------------------


def test_head_revision_is_alembics_script_head() -> None:
    scripts = ScriptDirectory(migrate.MIGRATIONS_DIR)
    assert scripts.get_heads() == [migrate.HEAD_REVISION]  # one head, the one the code expects


def test_opening_an_empty_database_migrates_it_to_head(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert migrate.current_revision(store.engine) == migrate.HEAD_REVISION
        tables = set(sa.inspect(store.engine).get_table_names())
        assert tables == {"pipeline_launch", "kubernetes_job", "launch_label", "study",
                          "study_trial", "alembic_version"}
    finally:
        store.close()


def test_alembic_migrations_build_exactly_the_table_definitions(db_url: str) -> None:
    """A new database gets `metadata.create_all` and a stamp; an old one gets the migrations.
    Both must end with the same schema, so the migrations are run here by Alembic itself."""
    engine = open_engine(db_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.HEAD_REVISION
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_a_database_created_fresh_matches_the_table_definitions(db: Store) -> None:
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_a_database_at_revision_0001_is_upgraded_with_its_data(db_url: str) -> None:
    engine = open_engine(db_url)
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        assert not sa.inspect(conn).has_table("launch_label")
        conn.execute(sa.text(
            "INSERT INTO pipeline_launch (protobuf, status, created_at, created_by, name,"
            " workflow_uri, document, document_sha256, job_order, job_order_sha256, work_dir,"
            " updated_at) VALUES (NULL, 2, :now, 'old', 'old.cwl', 'file:///old.cwl', '{}',"
            " :sha, '{}', :sha, '/w', :now)"
        ), {"now": datetime.datetime(2024, 1, 2), "sha": DOC_SHA})
    engine.dispose()

    store = Store(db_url)  # opening upgrades it
    try:
        assert migrate.current_revision(store.engine) == migrate.HEAD_REVISION
        [old] = store.list_launches()
        assert (old.name, old.created_by, old.status) == ("old.cwl", "old", LaunchStatus.RUNNING)
        assert store.labels_of([old.id]) == {old.id: {}}
        labelled = new_launch(store, labels={"team": "ml"})
        assert [launch.id for launch in store.list_launches(labels={"team": "ml"})] == [labelled]
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        store.close()


def test_reopening_a_database_keeps_its_data(db_url: str) -> None:
    url = db_url
    first = Store(url)
    launch_id = new_launch(first)
    first.close()
    second = Store(url)
    try:
        assert second.get_launch(launch_id).name == "wf.cwl"
        assert migrate.current_revision(second.engine) == migrate.HEAD_REVISION
    finally:
        second.close()


@pytest.mark.parametrize("url, message", [
    ("no such thing", "not a database URL: 'no such thing'"),
    ("postgresql://u:p@127.0.0.1:notaport/db", "not a database URL (invalid literal"),
    ("mysql://u:secret@db/x", "mysql://u:***@db/x: use sqlite:///PATH or postgresql://"),
    ("sqlite:///", "an SQLite URL needs a file"),
    ("sqlite://relative.db", "an SQLite URL needs a file"),
])
def test_a_bad_database_url_is_a_store_error(url: str, message: str) -> None:
    with pytest.raises(StoreError, match="^--db: ") as refused:
        Store(url)
    assert message in str(refused.value) and "secret" not in str(refused.value)


# -- launches -------------------------------------------------------------------------------------


def test_create_launch_records_everything(db: Store) -> None:
    launch_id = new_launch(db)
    launch = db.get_launch(launch_id)
    assert launch.id == launch_id
    assert launch.status == LaunchStatus.RUNNING
    assert (launch.created_by, launch.name, launch.owner) == ("tester", "wf.cwl", "host:1:1")
    assert launch.work_dir == "/work/launch"
    assert launch.outputs is None
    assert launch.finished_at is None
    assert db.get_launch(launch_id + 1) is None


def test_launch_succeeds_with_outputs_and_then_never_changes(db: Store) -> None:
    launch_id = new_launch(db)
    assert db.set_launch_status(launch_id, LaunchStatus.SUCCEEDED, outputs={"out": [1, 2]})
    launch = db.get_launch(launch_id)
    assert launch.status == LaunchStatus.SUCCEEDED
    assert launch.outputs == {"out": [1, 2]}
    assert launch.finished_at is not None
    for status in (LaunchStatus.RUNNING, LaunchStatus.FAILED, LaunchStatus.CANCELLED):
        assert not db.set_launch_status(launch_id, status, message="no")
    assert db.get_launch(launch_id).status == LaunchStatus.SUCCEEDED
    assert db.get_launch(launch_id).message == ""


def test_failed_launch_may_run_again_cancelled_may_not(db: Store) -> None:
    failed, cancelled = new_launch(db), new_launch(db)
    assert db.set_launch_status(failed, LaunchStatus.FAILED, message="step x failed")
    assert db.get_launch(failed).message == "step x failed"
    assert db.set_launch_status(failed, LaunchStatus.RUNNING)
    assert db.set_launch_status(cancelled, LaunchStatus.CANCELLED)
    assert not db.set_launch_status(cancelled, LaunchStatus.RUNNING)
    assert db.get_launch(cancelled).status == LaunchStatus.CANCELLED


def test_no_launch_can_move_back_to_pending(db: Store) -> None:
    launch_id = new_launch(db)
    with pytest.raises(IllegalTransition):
        db.set_launch_status(launch_id, LaunchStatus.PENDING)


def test_take_over_needs_the_expected_owner(db: Store) -> None:
    launch_id = new_launch(db, owner="host:1:1")
    assert not db.set_launch_status(
        launch_id, LaunchStatus.RUNNING, owner="host:3:3", expected_owner="host:2:2"
    )
    assert db.get_launch(launch_id).owner == "host:1:1"
    assert db.set_launch_status(
        launch_id, LaunchStatus.RUNNING, owner="host:3:3", expected_owner="host:1:1"
    )
    assert db.get_launch(launch_id).owner == "host:3:3"


def test_resumable_launches_are_running_or_failed_of_the_same_document_and_inputs(
    db: Store,
) -> None:
    running = new_launch(db)
    failed = new_launch(db)
    db.set_launch_status(failed, LaunchStatus.FAILED)
    done = new_launch(db)
    db.set_launch_status(done, LaunchStatus.SUCCEEDED)
    cancelled = new_launch(db)
    db.set_launch_status(cancelled, LaunchStatus.CANCELLED)
    new_launch(db, document_sha="e" * 64)
    new_launch(db, job_sha="k" * 64)

    found = db.resumable_launches(DOC_SHA, JOB_SHA)
    assert [launch.id for launch in found] == [failed, running]  # newest first
    assert db.resumable_launches("0" * 64, JOB_SHA) == []


def test_list_launches_newest_first_with_limit(db: Store) -> None:
    ids = [new_launch(db) for _ in range(3)]
    assert [launch.id for launch in db.list_launches()] == ids[::-1]
    assert [launch.id for launch in db.list_launches(limit=2)] == ids[:0:-1]


# -- step jobs ---------------------------------------------------------------------------------


def test_start_then_finish_jobs(db: Store) -> None:
    launch_id = new_launch(db)
    db.start_jobs(launch_id, [start("a[0]"), start("a[1]"), start("b", "inline")])
    jobs = {job.job_key: job for job in db.jobs(launch_id)}
    assert list(jobs) == ["a[0]", "a[1]", "b"]  # in order of creation
    assert all(job.status == JobStatus.RUNNING and job.attempt == 1 for job in jobs.values())
    assert (jobs["a[0]"].node_name, jobs["b"].executor) == ("a", "inline")

    changed = db.finish_jobs(
        launch_id,
        [
            JobEnd("a[0]", JobStatus.SUCCEEDED, {"out": "x"}, 0),
            JobEnd("a[1]", JobStatus.FAILED, None, 3, "exit code 3"),
        ],
    )
    assert changed == 2
    jobs = {job.job_key: job for job in db.jobs(launch_id)}
    assert (jobs["a[0]"].status, jobs["a[0]"].outputs, jobs["a[0]"].exit_code) == (
        JobStatus.SUCCEEDED,
        {"out": "x"},
        0,
    )
    assert (jobs["a[1]"].status, jobs["a[1]"].exit_code, jobs["a[1]"].message) == (
        JobStatus.FAILED,
        3,
        "exit code 3",
    )
    assert jobs["b"].status == JobStatus.RUNNING


def test_jobs_belong_to_their_launch(db: Store) -> None:
    first, second = new_launch(db), new_launch(db)
    db.start_jobs(first, [start("a")])
    db.start_jobs(second, [start("a")])  # the same key in another launch is another job
    db.finish_jobs(first, [JobEnd("a", JobStatus.SUCCEEDED, {})])
    assert statuses(db, first) == {"a": JobStatus.SUCCEEDED}
    assert statuses(db, second) == {"a": JobStatus.RUNNING}


def test_finish_on_a_succeeded_job_changes_nothing(db: Store) -> None:
    launch_id = new_launch(db)
    db.start_jobs(launch_id, [start("a")])
    assert db.finish_jobs(launch_id, [JobEnd("a", JobStatus.SUCCEEDED, {"out": 1}, 0)]) == 1
    for status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED):
        assert db.finish_jobs(launch_id, [JobEnd("a", status, {"out": 2}, 9, "late")]) == 0
    [job] = db.jobs(launch_id)
    assert (job.status, job.outputs, job.exit_code, job.message) == (
        JobStatus.SUCCEEDED,
        {"out": 1},
        0,
        "",
    )


def test_start_of_a_succeeded_key_is_refused_and_rolls_back(db: Store) -> None:
    launch_id = new_launch(db)
    db.start_jobs(launch_id, [start("done")])
    db.finish_jobs(launch_id, [JobEnd("done", JobStatus.SUCCEEDED, {})])
    with pytest.raises(StoreError):
        db.start_jobs(launch_id, [start("new"), start("done")])
    # One transaction: the refused batch recorded nothing, not even the new key.
    assert statuses(db, launch_id) == {"done": JobStatus.SUCCEEDED}
    assert db.jobs(launch_id)[0].attempt == 1


def test_failed_or_orphaned_jobs_start_again_as_a_new_attempt(db: Store) -> None:
    launch_id = new_launch(db)
    db.start_jobs(launch_id, [start("failed"), start("orphan")])
    db.finish_jobs(launch_id, [JobEnd("failed", JobStatus.FAILED, None, 1, "exit code 1")])
    # "orphan" stays RUNNING: its process died with the engine.
    db.start_jobs(launch_id, [start("failed"), start("orphan")])
    jobs = {job.job_key: job for job in db.jobs(launch_id)}
    for key in ("failed", "orphan"):
        assert (jobs[key].status, jobs[key].attempt) == (JobStatus.RUNNING, 2)
    assert (jobs["failed"].exit_code, jobs["failed"].message) == (None, "")


def test_a_failed_job_cannot_become_succeeded_without_running_again(db: Store) -> None:
    launch_id = new_launch(db)
    db.start_jobs(launch_id, [start("a")])
    db.finish_jobs(launch_id, [JobEnd("a", JobStatus.FAILED, None, 1)])
    assert db.finish_jobs(launch_id, [JobEnd("a", JobStatus.SUCCEEDED, {})]) == 0
    assert statuses(db, launch_id) == {"a": JobStatus.FAILED}


def test_cancel_running_jobs_leaves_finished_ones(db: Store) -> None:
    launch_id = new_launch(db)
    db.start_jobs(launch_id, [start("a"), start("b"), start("c")])
    db.finish_jobs(
        launch_id, [JobEnd("a", JobStatus.SUCCEEDED, {}), JobEnd("b", JobStatus.FAILED, None)]
    )
    assert db.cancel_running_jobs(launch_id, "launch failed") == 1
    assert statuses(db, launch_id) == {
        "a": JobStatus.SUCCEEDED,
        "b": JobStatus.FAILED,
        "c": JobStatus.CANCELLED,
    }
    assert db.jobs(launch_id)[2].message == "launch failed"


def test_job_inputs_are_stored_as_json(db: Store) -> None:
    launch_id = new_launch(db)
    inputs = {"file": {"class": "File", "location": "file:///x y#z"}, "n": [1, None]}
    db.start_jobs(launch_id, [JobStart("a", "a", "local", inputs)])
    with db.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT inputs FROM kubernetes_job")).scalar_one()
    assert json.loads(stored) == inputs


# -- what a server asks: labels, listings, the pending queue ----------------------------------


def test_labels_are_stored_with_the_launch_and_read_for_many(db: Store) -> None:
    first = new_launch(db, labels={"team": "ml", "experiment": "lr-sweep"})
    second = new_launch(db)
    assert db.labels_of([first, second, second + 1]) == {
        first: {"team": "ml", "experiment": "lr-sweep"},
        second: {},
        second + 1: {},
    }
    assert db.labels_of([]) == {}


@pytest.mark.parametrize(
    "labels",
    [{"k" * 64: "v"}, {"k": "v" * 256}, {"": "v"}],
    ids=["long-key", "long-value", "no-key"],
)
def test_oversized_labels_are_refused_and_nothing_is_recorded(db: Store, labels) -> None:
    with pytest.raises(ValueError, match="label"):
        new_launch(db, labels=labels)
    assert db.list_launches() == []


def test_labels_go_with_their_launch_when_it_is_deleted(db: Store) -> None:
    launch_id = new_launch(db, labels={"team": "ml"})
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM pipeline_launch WHERE id = :id"), {"id": launch_id})
        assert conn.execute(sa.text("SELECT count(*) FROM launch_label")).scalar_one() == 0


def test_list_launches_filters_by_user_status_and_every_label(db: Store) -> None:
    alice_ml = new_launch(db, created_by="alice", labels={"team": "ml", "gpu": "no"})
    alice_bio = new_launch(db, created_by="alice", labels={"team": "bio"})
    bob_ml = new_launch(db, created_by="bob", labels={"team": "ml"})
    db.set_launch_status(bob_ml, LaunchStatus.SUCCEEDED)

    def ids(**filters) -> list[int]:
        return [launch.id for launch in db.list_launches(**filters)]

    assert ids(created_by="alice") == [alice_bio, alice_ml]
    assert ids(created_by="carol") == []
    assert ids(statuses=[LaunchStatus.SUCCEEDED]) == [bob_ml]
    assert ids(statuses=[LaunchStatus.RUNNING, LaunchStatus.SUCCEEDED]) == [
        bob_ml, alice_bio, alice_ml
    ]
    assert ids(labels={"team": "ml"}) == [bob_ml, alice_ml]
    assert ids(labels={"team": "ml", "gpu": "no"}) == [alice_ml]  # every label must match
    assert ids(labels={"team": "ml", "gpu": "yes"}) == []
    assert ids(created_by="bob", labels={"team": "ml"}, statuses=[LaunchStatus.RUNNING]) == []


def test_list_launches_pages_with_before_id(db: Store) -> None:
    launches = [new_launch(db, created_by="alice") for _ in range(5)]
    new_launch(db, created_by="bob")
    pages, before = [], None
    while page := db.list_launches(2, created_by="alice", before_id=before):
        pages.append([launch.id for launch in page])
        before = page[-1].id
    assert pages == [launches[4:2:-1], launches[2:0:-1], launches[:1]]


def test_a_pending_launch_is_taken_by_one_runner_which_becomes_its_owner(db: Store) -> None:
    """A server records launches PENDING with no owner; a runner takes each by moving it to
    RUNNING with itself as owner, and only one of two runners can."""
    queued = [new_launch(db, owner="", status=LaunchStatus.PENDING, protobuf=b"\x08\x01")
              for _ in range(3)]
    running = new_launch(db)
    assert [launch.id for launch in db.pending_launches(2)] == queued[:2]  # oldest first
    assert db.get_launch(queued[0]).protobuf == b"\x08\x01"

    take = {"owner": "runner-1", "expected_owner": ""}
    assert db.set_launch_status(queued[0], LaunchStatus.RUNNING, **take)
    assert not db.set_launch_status(  # the second runner is too late
        queued[0], LaunchStatus.RUNNING, owner="runner-2", expected_owner=""
    )
    assert db.get_launch(queued[0]).owner == "runner-1"
    assert [launch.id for launch in db.pending_launches(10)] == queued[1:]
    assert [launch.id for launch in db.running_launches()] == [queued[0], running]

    assert db.set_launch_status(queued[1], LaunchStatus.CANCELLED, message="cancelled")
    assert [launch.id for launch in db.pending_launches(10)] == [queued[2]]
    assert not db.set_launch_status(queued[1], LaunchStatus.RUNNING, **take)


def test_known_keys_are_updated_only_with_what_was_committed(db: Store) -> None:
    launch_id = new_launch(db)
    db.start_jobs(launch_id, [start("done")])
    db.finish_jobs(launch_id, [JobEnd("done", JobStatus.SUCCEEDED, {})])
    known = {"done"}
    with pytest.raises(StoreError):
        db.record_jobs(launch_id, starts=[start("new"), start("done")], known_keys=known)
    assert known == {"done"}
    db.record_jobs(launch_id, starts=[start("new")], known_keys=known)
    assert known == {"done", "new"}


# -- opening --------------------------------------------------------------------------------------


def test_postgres_urls_mean_psycopg2(postgres_url: str) -> None:
    for scheme in ("postgresql://", "postgres://"):
        store = Store(postgres_url.replace("postgresql://", scheme, 1))
        try:
            assert store.engine.dialect.driver == "psycopg2"
            assert store.list_launches() == []
        finally:
            store.close()


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql://someone:s3cret@127.0.0.1:1/wonderland")
    message = str(caught.value)
    assert message.startswith("cannot open database postgresql://someone:***@127.0.0.1:1/wonderland:")
    assert "Connection refused" in message
    assert "s3cret" not in message and "\n" not in message
