"""The server's work area: a folder every step sees at the same path (a local folder, or an
Azure Files share on a cluster). It holds each user's uploads and one folder per launch:

    uploads/<user>/<upload id>/<path>     files sent with UploadFile
    launch-<id>/workflow.cwl, job.json    the launch's document and input object
    launch-<id>/steps/<job>/              each step job's outputs while the launch runs
    launch-<id>/logs/<job>.log            each step job's stdout and stderr
    launch-<id>/outputs/                  the final outputs, as DownloadOutput serves them

Every name that comes from a user goes through `inside`, so that none can leave its folder.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets

from wonderland.engine.executors.base import job_file_name

_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_MAX_COMPONENT = 255


class PathRefused(ValueError):
    """A user-given name that is empty, absolute, or leaves its folder."""


def inside(root: str, relative: str) -> str:
    """`root/relative`, refused unless it is a plain relative path that stays under `root`
    (no "..", no absolute path, no empty or over-long component, no NUL; symbolic links that
    lead out are refused too)."""
    if not relative or "\0" in relative or relative.startswith(("/", "\\")):
        raise PathRefused(f"{relative!r}: not a relative path")
    parts = relative.split("/")
    for part in parts:
        if part in ("", ".", "..") or len(part) > _MAX_COMPONENT:
            raise PathRefused(f"{relative!r}: each part must be a plain name")
    path = os.path.join(root, *parts)
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
        raise PathRefused(f"{relative!r}: leads outside its folder")
    return path


@dataclasses.dataclass(frozen=True)
class LaunchFiles:
    """The folder of one launch."""

    root: str

    @property
    def workflow(self) -> str:
        return os.path.join(self.root, "workflow.cwl")

    @property
    def job_order(self) -> str:
        return os.path.join(self.root, "job.json")

    @property
    def steps(self) -> str:
        return os.path.join(self.root, "steps")

    @property
    def logs(self) -> str:
        return os.path.join(self.root, "logs")

    @property
    def outputs(self) -> str:
        return os.path.join(self.root, "outputs")

    def log_of(self, job_key: str) -> str:
        return os.path.join(self.logs, job_file_name(job_key) + ".log")

    def make(self) -> None:
        for folder in (self.root, self.steps, self.logs, self.outputs):
            os.makedirs(folder, exist_ok=True)


@dataclasses.dataclass(frozen=True)
class WorkArea:
    root: str

    def new_launch(self) -> LaunchFiles:
        """A fresh launch folder, named before any row refers to it."""
        files = LaunchFiles(os.path.join(self.root, f"launch-{secrets.token_hex(8)}"))
        files.make()
        return files

    def uploads_of(self, user: str) -> str:
        return os.path.join(self.root, "uploads", user)

    def upload_folder(self, user: str, upload_id: str) -> tuple[str, str]:
        """(upload id, its folder): a new upload when `upload_id` is empty; otherwise one of
        this user's existing uploads."""
        if not upload_id:
            upload_id = secrets.token_hex(16)
            folder = os.path.join(self.uploads_of(user), upload_id)
            os.makedirs(folder)
            return upload_id, folder
        folder = os.path.join(self.uploads_of(user), upload_id)
        if not _UPLOAD_ID.fullmatch(upload_id) or not os.path.isdir(folder):
            raise PathRefused(f"upload {upload_id!r}: no such upload of yours")
        return upload_id, folder

    def owns(self, user: str, path: str) -> bool:
        """Whether `path` is inside one of `user`'s uploads."""
        uploads = os.path.realpath(self.uploads_of(user))
        real = os.path.realpath(path)
        return real != uploads and os.path.commonpath([uploads, real]) == uploads
