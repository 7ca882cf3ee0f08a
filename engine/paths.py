"""Default locations: the state database and the work area under the user's data directory."""

from __future__ import annotations

import os
import tempfile

import platformdirs


def data_dir() -> str:
    return os.environ.get("WONDERLAND_HOME") or platformdirs.user_data_dir("wonderland")


def default_db_path() -> str:
    return os.path.join(data_dir(), "wonderland.db")


def default_db_url() -> str:
    return f"sqlite:///{default_db_path()}"


def default_work_dir() -> str:
    return os.path.join(data_dir(), "work")


def default_ca_dir() -> str:
    return os.path.join(data_dir(), "ca")


def default_tmpdir_prefix() -> str:
    return os.path.join(tempfile.gettempdir(), "wonderland-tmp-")
