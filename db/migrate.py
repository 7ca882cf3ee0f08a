"""Applying Alembic migrations: at start, and by `wonderland db upgrade`.

Alembic is imported only when the database is not yet at the head revision, so an engine
that starts on an up-to-date database pays nothing for it.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlalchemy.engine import Engine

HEAD_REVISION = "0001"
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


def upgrade_if_needed(engine: Engine) -> None:
    if current_revision(engine) != HEAD_REVISION:
        upgrade(engine)
