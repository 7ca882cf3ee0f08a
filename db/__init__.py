"""Wonderland's state: launches and step jobs in SQLite or PostgreSQL (SQLAlchemy Core, Alembic)."""

from wonderland.db.states import JobStatus, LaunchStatus
from wonderland.db.store import Store, StoreError

__all__ = ["JobStatus", "LaunchStatus", "Store", "StoreError"]
