"""A disk cache of the CWL schemas that cwltool parses on every start.

cwltool builds its schema loaders from YAML each time a process starts (about half a second
for the two versions every load touches). The built loaders are pickled once per cwltool and
schema-salad version under the user's cache directory and put back into cwltool's in-memory
cache before loading a document.
"""

from __future__ import annotations

import copyreg
import importlib.metadata
import logging
import os
import pickle
import tempfile

import platformdirs
from cwltool import process
from schema_salad.ref_resolver import NormDict

_log = logging.getLogger(__name__)
VERSIONS = ("v1.0", "v1.1", "v1.2")


def _reduce_normdict(value: NormDict):
    # NormDict sets its `normalize` attribute in __init__, which plain pickling skips.
    return (NormDict, (value.normalize,), None, None, iter(dict(value).items()))


copyreg.pickle(NormDict, _reduce_normdict)


def cache_dir() -> str:
    versions = "-".join(
        importlib.metadata.version(dist) for dist in ("cwltool", "schema-salad")
    )
    return os.path.join(platformdirs.user_cache_dir("wonderland"), "schemas", versions)


def _path(version: str) -> str:
    return os.path.join(cache_dir(), f"{version}.pickle")


def restore() -> None:
    """Put every cached schema that cwltool has not loaded yet into its memory cache."""
    for version in VERSIONS:
        if version in process.SCHEMA_CACHE:
            continue
        try:
            with open(_path(version), "rb") as handle:
                process.SCHEMA_CACHE[version] = pickle.load(handle)
        except FileNotFoundError:
            continue
        except Exception as exc:  # a stale or truncated file: rebuild it on the next save
            _log.debug("ignoring schema cache %s: %s", _path(version), exc)


def save() -> None:
    """Write the schemas cwltool loaded in this process that are not on disk yet."""
    for version in VERSIONS:
        if version not in process.SCHEMA_CACHE or os.path.exists(_path(version)):
            continue
        try:
            os.makedirs(cache_dir(), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache_dir(), suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(process.SCHEMA_CACHE[version], handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, _path(version))
        except Exception as exc:  # the cache is an optimisation: never fail a run over it
            _log.debug("cannot write schema cache for %s: %s", version, exc)
