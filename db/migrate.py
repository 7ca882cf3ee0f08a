"""Applying Alembic migrations: at start, and by `wonderland db upgrade`.

An empty database gets the current tables at once and is stamped with the head revision
(the tables of `schema.py` and the migrations are kept equal by a test); a database at an
older revision is upgraded by Alembic. Alembic is imported only in that last case, so
starting on a new or up-to-date database pays nothing for it.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wonderland.db.schema import metadata

HEAD_REVISION = "0003"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def _create_fresh(engine: Engine) -> bool:
    """Create the head schema in an empty database; False if it has any table already."""
    with engine.begin() as conn:
        if sa.inspect(conn).get_table_names():
            return False
        metadata.create_all(conn)
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
                             " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
        conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                     {"v": HEAD_REVISION})
    return True


def upgrade_if_needed(engine: Engine) -> None:
    if current_revision(engine) == HEAD_REVISION:
        return
    if not _create_fresh(engine):
        upgrade(engine)
