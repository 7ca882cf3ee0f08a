"""A real `wonderland serve` for tests: started as a subprocess on a free loopback port, waited
for through the gRPC health service, stopped with SIGTERM or killed with SIGKILL (with its
launch runners), and started again on the same database and work area.

`make_pki` makes a CA with a server certificate, users' certificates signed by it, an admin's,
and a user of another CA, with the real `wonderland.client.certificates`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from wonderland.client import Client
from wonderland.client.certificates import (
    CaFiles,
    init_ca,
    request_certificate,
    sign_csr,
)

START_TIMEOUT = 60.0


@dataclass(frozen=True)
class UserFiles:
    key: Path
    cert: Path


@dataclass(frozen=True)
class Pki:
    ca: CaFiles
    users: dict[str, UserFiles]
    stranger: UserFiles  # certified by another CA


def make_pki(base: Path, users: tuple[str, ...] = ("alice", "bob"),
             admins: tuple[str, ...] = ("root",)) -> Pki:
    ca = init_ca(base / "ca")
    init_ca(base / "other-ca")

    def user(name: str, ca_dir: Path, admin: bool = False) -> UserFiles:
        key, csr = request_certificate(name, base / "users" / name)
        return UserFiles(key, sign_csr(ca_dir, csr, admin=admin))

    made = {name: user(name, base / "ca") for name in users}
    made.update({name: user(name, base / "ca", admin=True) for name in admins})
    return Pki(ca, made, user("stranger", base / "other-ca"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    """`wonderland serve` with these settings; `start()` it (again) at will."""

    root: Path
    db_url: str
    pki: Pki | None = None  # None: --insecure
    extra_args: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def address(self) -> str:
        return f"localhost:{self.port}" if self.pki else f"127.0.0.1:{self.port}"

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    @property
    def log(self) -> Path:
        return self.root / f"server-{self.starts}.log"

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "wonderland.engine.cli", "serve",
               "--listen", f"127.0.0.1:{self.port}", "--db", self.db_url,
               "--work-dir", str(self.work_dir),
               "--tmpdir-prefix", str(self.root / "tmp" / "t-"), "--parallel", "2"]
        if self.pki is None:
            cmd += ["--insecure", "--insecure-user", "tester"]
        else:
            cmd += ["--tls-dir", str(self.pki.ca.ca_cert.parent)]
        return cmd + self.extra_args

    def start(self) -> ServerProcess:
        self.root.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        env = dict(os.environ)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                start_new_session=True,
            )
        self._wait_healthy()
        return self

    def _channel(self) -> grpc.Channel:
        if self.pki is None:
            return grpc.insecure_channel(self.address)
        user = next(iter(self.pki.users.values()))
        credentials = grpc.ssl_channel_credentials(
            self.pki.ca.ca_cert.read_bytes(), user.key.read_bytes(), user.cert.read_bytes())
        return grpc.secure_channel(self.address, credentials)

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        with self._channel() as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(f"the server exited with {self.process.returncode}:\n"
                                         f"{self.log.read_text()}")
                try:
                    status = stub.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                assert time.monotonic() < deadline, f"server not up:\n{self.log.read_text()}"
                time.sleep(0.1)

    def client(self, user: str | None = None) -> Client:
        if self.pki is None:
            return Client(self.address, insecure=True)
        files = self.pki.users[user or next(iter(self.pki.users))]
        return Client(self.address, ca=self.pki.ca.ca_cert, cert=files.cert, key=files.key)

    def kill(self) -> None:
        """SIGKILL the server; its fork server and launch runners die with it (they are
        killed when their parent dies)."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)
        self._wait_group_gone()

    def stop(self) -> int:
        """SIGTERM, the graceful shutdown; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._wait_group_gone()
        return self.process.returncode

    def _wait_group_gone(self, timeout: float = 30.0) -> None:
        """Wait until no process of the server's session is left, then make sure of it."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.killpg(self.process.pid, signal.SIGKILL)
        raise AssertionError("processes of the server outlived it by 30 s")
