"""The folders a run writes to, made and checked before anything is recorded, so that a
folder that cannot be written is one clear error and not a launch left behind."""

from __future__ import annotations

import dataclasses
import os
import tempfile

from wonderland.engine import paths


class DirectoryError(Exception):
    """A folder given by an option cannot be made or written."""


@dataclasses.dataclass(frozen=True)
class Directories:
    outdir: str
    work_root: str
    cachedir: str | None


def _writable(option: str, path: str) -> str:
    path = os.path.abspath(path)
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DirectoryError(f"{option} {path}: cannot write there ({reason})") from exc
    return path


def prepare_directories(args) -> Directories:
    _writable("--tmpdir-prefix", os.path.dirname(args.tmpdir_prefix) or ".")
    return Directories(
        outdir=_writable("--outdir", args.outdir),
        work_root=_writable("--work-dir", args.work_dir or paths.default_work_dir()),
        cachedir=_writable("--cachedir", args.cachedir) if args.cachedir else None,
    )
