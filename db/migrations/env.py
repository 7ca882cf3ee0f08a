"""Alembic environment: runs migrations on the engine handed over by `wonderland.db.migrate`."""

from alembic import context

from wonderland.db.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    context.run_migrations()
