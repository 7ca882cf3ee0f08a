"""Opening a database by URL, and running one transaction through a lost connection.

`postgresql://` and `postgres://` URLs mean psycopg2 (SQLAlchemy 2.1 would pick psycopg 3); an
SQLite file gets its folder, WAL, foreign keys and a busy timeout. `in_transaction` runs a
unit of work in one transaction and, when the connection was lost before the commit (the
server restarted, an idle connection was cut), runs the whole of it again on a new connection,
a bounded number of times with a short backoff: nothing of the failed attempt was committed,
so nothing is lost or recorded twice. A connection lost during the commit itself leaves the
outcome unknown, which is a `StoreError` rather than a guess.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

T = TypeVar("T")

RETRIES = 5
BACKOFF_SECONDS = 0.2  # doubled after each attempt: 0.2 + 0.4 + ... + 3.2 s in all


class StoreError(Exception):
    """The database cannot be opened or used; the message says which and why."""


def safe_url(url: sa.engine.URL) -> str:
    return url.render_as_string(hide_password=True)


def reason_of(exc: DBAPIError) -> str:
    """The first line of the driver's message: "Connection refused", "database x does not exist"."""
    text = str(exc.orig).strip() if exc.orig is not None else str(exc)
    return text.splitlines()[0] if text else type(exc.orig).__name__


def database_url(url: str) -> sa.engine.URL:
    """The SQLAlchemy URL of `--db`: an SQLite file or a PostgreSQL database; StoreError for
    anything else (a typo, another database, SQLite in memory, which nothing could resume)."""
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"--db: not a database URL: {url!r}") from exc
    except ValueError as exc:  # a port that is not a number, an unclosed [ of an IPv6 host
        raise StoreError(f"--db: not a database URL ({exc})") from exc
    shown = safe_url(parsed)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"--db: {shown}: use sqlite:///PATH or postgresql://USER:PASSWORD@HOST"
                         ":PORT/DB")
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise StoreError(f"--db: {shown}: an SQLite URL needs a file, e.g. sqlite:///state.db")
    return parsed


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite, its folder is made and WAL and foreign keys are on."""
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
        engine = sa.create_engine(parsed)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        # pre-ping: a connection the server closed while it sat in the pool is replaced unseen
        return sa.create_engine(parsed, pool_pre_ping=True)
    except Exception as exc:  # missing driver, bad options: say so in one line
        raise StoreError(f"--db {safe_url(parsed)}: {exc}") from exc


def _lost(engine: Engine, exc: DBAPIError, phase: str) -> bool:
    """Whether `exc` is a lost connection, or a server not answering (yet) while connecting."""
    if exc.connection_invalidated:
        return True
    return phase == "connect" and isinstance(exc, OperationalError) and (
        engine.dialect.name != "sqlite"
    )


def in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    """`work(conn)` in one committed transaction, run again on a new connection if it was lost."""
    attempt = 0
    while True:
        phase = "connect"
        try:
            with engine.connect() as conn, conn.begin() as transaction:
                phase = "work"
                result = work(conn)
                phase = "commit"
                transaction.commit()
            return result
        except DBAPIError as exc:
            if not _lost(engine, exc, phase):
                raise
            where = f"database {safe_url(engine.url)}"
            if phase == "commit":
                raise StoreError(f"{where}: connection lost while committing, so the last change"
                                 f" may or may not be recorded: {reason_of(exc)}") from exc
            if attempt == RETRIES:
                what = "cannot connect" if phase == "connect" else "connection lost"
                raise StoreError(f"{where}: {what}: {reason_of(exc)}") from exc
            time.sleep(BACKOFF_SECONDS * 2**attempt)
            attempt += 1
