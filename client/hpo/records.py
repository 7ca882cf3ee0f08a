"""Where a study's trials are kept: the `study` and `study_trial` tables of `wonderland.db`.

An embedded study (client=None) uses the engine's own database (its `db=`, else the user's
default), so one file holds the study and the launches of its trials. A study on a server keeps
its records in the client's database (`db=`, else `studies.db` in the user's Wonderland folder):
the optimizer runs in the client, the trials' launches live on the server and are found again
there by id. `open_records` refuses a study name taken by other settings, or a study whose
client is still alive on this host.
"""

from __future__ import annotations

import hashlib
import os
import socket
from typing import Any

from wonderland.client import embedded
from wonderland.client.hpo.errors import OptimizeError
from wonderland.db.connection import StoreError
from wonderland.db.studies import StudyRow, StudyStore

HOST = socket.gethostname()


def records_url(db: str | None, embedded_engine: bool) -> str:
    if db:
        return db
    if embedded_engine:
        return embedded.default_db_url()
    folder = embedded.data_dir()
    os.makedirs(folder, exist_ok=True)
    return f"sqlite:///{os.path.join(folder, 'studies.db')}"


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _owner_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != HOST or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_records(url: str, name: str, settings: dict[str, Any]) -> tuple[StudyStore, StudyRow]:
    """The store and the claimed study `name` (made if new, with `settings`)."""
    try:
        store = StudyStore(url)
    except StoreError as exc:
        raise OptimizeError(f"study {name}: {exc}") from None
    try:
        owner = f"{HOST}:{os.getpid()}"
        row = store.open_study(name, settings, owner)
        changed = sorted(key for key in set(settings) | set(row.settings)
                         if settings.get(key) != row.settings.get(key))
        if changed:
            raise OptimizeError(f"study {name}: exists with other settings ({', '.join(changed)}"
                                f" differ); use another study_name")
        if row.owner != owner and row.status == "RUNNING" and _owner_alive(row.owner):
            raise OptimizeError(f"study {name}: being run by process {row.owner} now")
        if not store.claim(row.id, owner, row.owner):
            raise OptimizeError(f"study {name}: taken over by another process just now")
        return store, row
    except BaseException:
        store.close()
        raise
