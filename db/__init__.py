"""Wonderland's state: launches, their labels and step jobs in SQLite or PostgreSQL (psycopg2),
through SQLAlchemy Core and Alembic."""

from wonderland.db.states import JobStatus, LaunchStatus
from wonderland.db.store import Store, StoreError

__all__ = ["JobStatus", "LaunchStatus", "Store", "StoreError"]
