"""The engine in-process, behind the same API as a server: `Client.embedded()` starts the real
server (`wonderland.engine.server`) on a Unix socket in a private folder, without TLS (only this
user can reach the socket), with the user's state database and work area by default; and where
those defaults are, for the client's own records (`wonderland.client.hpo` keeps studies there)."""

from __future__ import annotations

import getpass
import os
import shutil
import tempfile

from wonderland.client.certificates import Caller


class EmbeddedEngine:
    def __init__(self, *, db: str | None, work_dir: str | None, parallel: int | None,
                 max_launches: int) -> None:
        from wonderland.engine import paths
        from wonderland.engine.server import RunningServer, ServerSettings

        self._folder = tempfile.mkdtemp(prefix="wonderland-embedded-")
        os.chmod(self._folder, 0o700)
        self.address = f"unix:{os.path.join(self._folder, 'engine.sock')}"
        try:
            self._server = RunningServer(ServerSettings(
                db_url=db or paths.default_db_url(),
                work_dir=os.path.abspath(work_dir or paths.default_work_dir()),
                address=self.address,
                credentials=None,
                insecure_user=Caller(user=_user(), admin=False),
                parallel=parallel or os.cpu_count() or 1,
                max_launches=max_launches,
            ))
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    def stop(self) -> None:
        self._server.stop(grace=1.0)
        shutil.rmtree(self._folder, ignore_errors=True)


def default_db_url() -> str:
    """The embedded engine's database when none is given."""
    from wonderland.engine import paths

    return paths.default_db_url()


def data_dir() -> str:
    """The user's Wonderland folder (WONDERLAND_HOME, or the platform's data directory)."""
    from wonderland.engine import paths

    return paths.data_dir()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"
