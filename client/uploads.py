"""Sending a job order's local files to the server: each File (with its secondary files) and
each Directory whose location is on this machine is uploaded with UploadFile, and its location
in the job order becomes the one the server gave. The client needs no storage credentials; the
server keeps uploads in the caller's own folder of its work area."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from cwltool.utils import visit_class
from schema_salad.ref_resolver import uri_file_path

from wonderland.protos import wonderland_pb2 as pb
from wonderland.protos import wonderland_pb2_grpc

CHUNK = 256 * 1024
Progress = Callable[[str, int], None]


class UploadError(Exception):
    """A local input that cannot be sent; the message is one line naming it."""


def _messages(path: str, name: str, upload_id: str) -> Iterator[pb.UploadFileRequest]:
    yield pb.UploadFileRequest(header=pb.UploadFileRequest.Header(path=name, upload_id=upload_id))
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield pb.UploadFileRequest(chunk=chunk)


class Uploader:
    """Uploads through one stub; a file named twice in a job order is sent once."""

    def __init__(self, stub: wonderland_pb2_grpc.WonderlandStub, timeout: float | None,
                 progress: Progress | None = None) -> None:
        self._stub = stub
        self._timeout = timeout
        self._progress = progress
        self._sent: dict[str, str] = {}

    def upload_file(self, path: str, name: str, upload_id: str = "") -> pb.UploadFileResponse:
        """Send one file as `name` in the upload `upload_id` (a new upload when empty)."""
        if not os.path.isfile(path):
            raise UploadError(f"{path}: no such file")
        if not os.access(path, os.R_OK):
            raise UploadError(f"{path}: cannot be read")
        response = self._stub.UploadFile(_messages(path, name, upload_id), timeout=self._timeout)
        if self._progress is not None:
            self._progress(path, response.size)
        return response

    def _file(self, path: str) -> str:
        if path not in self._sent:
            self._sent[path] = self.upload_file(path, os.path.basename(path)).location
        return self._sent[path]

    def _directory(self, path: str) -> str:
        if path in self._sent:
            return self._sent[path]
        if not os.path.isdir(path):
            raise UploadError(f"{path}: no such directory")
        base = os.path.basename(os.path.normpath(path))
        upload_id, root = "", ""
        for folder, subfolders, files in os.walk(path):
            subfolders.sort()
            for name in sorted(files):
                relative = os.path.relpath(os.path.join(folder, name), path)
                response = self.upload_file(os.path.join(folder, name),
                                            f"{base}/{relative}", upload_id)
                upload_id, root = response.upload_id, response.upload_location
        if not upload_id:
            raise UploadError(f"{path}: an empty directory cannot be uploaded")
        self._sent[path] = f"{root}/{base}"
        return self._sent[path]

    def localize(self, job_order: dict[str, Any]) -> dict[str, Any]:
        """The job order with every local File and Directory uploaded and relocated (changed in
        place and returned)."""

        def relocate(obj: dict[str, Any]) -> None:
            location = obj.get("location") or obj.get("path")
            if not isinstance(location, str):
                return
            if location.startswith("file://"):
                path = uri_file_path(location)
            elif "://" in location:
                return  # the server refuses what it cannot fetch, and says so
            else:
                path = os.path.abspath(location)
            if obj["class"] == "File":
                obj["location"] = self._file(path)
            else:
                obj["location"] = self._directory(path)
                obj.pop("listing", None)
            obj.pop("path", None)

        visit_class(job_order, ("File", "Directory"), relocate)
        return job_order
