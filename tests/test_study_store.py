"""`wonderland.db.studies` on a real SQLite file and a real PostgreSQL database: a study is made
once by name and claimed only from the owner the caller saw; a trial is recorded before its
launch, ends once (an ended trial never changes), and a cancelled one starts again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wonderland.db.studies import StudyStore


@pytest.fixture
def studies(db_url: str) -> Iterator[StudyStore]:
    store = StudyStore(db_url)
    yield store
    store.close()


def test_a_study_is_made_once_and_claimed_from_the_owner_seen(studies: StudyStore) -> None:
    made = studies.open_study("s", {"algo": "gp", "seed": 1}, "host:1")
    again = studies.open_study("s", {"algo": "tpe"}, "host:2")
    assert (again.id, again.settings, again.owner, again.status) == (
        made.id, {"algo": "gp", "seed": 1}, "host:1", "RUNNING")
    assert studies.claim(made.id, "host:2", "host:1")
    assert not studies.claim(made.id, "host:3", "host:1")  # host:2 took it first
    studies.set_status(made.id, "COMPLETE")
    assert studies.open_study("s", {}, "x").status == "COMPLETE"


def test_trials_are_recorded_before_launch_and_end_once(studies: StudyStore) -> None:
    study = studies.open_study("t", {}, "host:1").id
    studies.add_trial(study, 0, {"C": 1.5}, {"C": [1.5]})
    [row] = studies.trials(study)
    assert (row.state, row.launch_id, row.params, row.point) == (
        "RUNNING", None, {"C": 1.5}, {"C": [1.5]})
    studies.set_launch(study, 0, 42)
    assert studies.end_trial(study, 0, "COMPLETE", value=0.9, metrics={"roc_auc": 0.9})
    assert not studies.end_trial(study, 0, "FAILED", error="late")  # ended trials never change
    [row] = studies.trials(study)
    assert (row.state, row.launch_id, row.value, row.metrics, row.error) == (
        "COMPLETE", 42, 0.9, {"roc_auc": 0.9}, "")

    studies.add_trial(study, 1, {"C": 2.0}, [2.0])
    studies.cancel_trials(study, [1], "study stopped")
    assert [r.state for r in studies.trials(study)] == ["COMPLETE", "CANCELLED"]
    studies.add_trial(study, 1, {"C": 2.0}, [2.0])  # a cancelled trial runs again
    studies.add_trial(study, 2, {"C": 3.0}, [3.0])
    studies.add_trial(study, 2, {"C": 3.0}, [3.0])  # never launched: its client died
    assert [(r.number, r.state, r.error) for r in studies.trials(study)] == [
        (0, "COMPLETE", ""), (1, "RUNNING", ""), (2, "RUNNING", "")]
