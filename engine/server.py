"""`wonderland serve`: the gRPC server. It opens (and migrates) the state database, starts the
launch supervisor — which resumes every launch that was running when the last server died —
and answers the `wonderland.v1.Wonderland` service, the standard health service and server
reflection, over mutual TLS unless `--insecure` is given on a loopback address. SIGTERM or
Ctrl-C stops it gracefully: calls in flight get a grace period, running launches stay RUNNING
and resume at the next start."""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import logging
import os
import signal
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from wonderland.client.certificates import CaFiles, Caller, CertificateError, check_user_name
from wonderland.client.credentials import CredentialsError, server_credentials
from wonderland.db import Store, StoreError
from wonderland.engine import paths
from wonderland.engine.executor_options import ExecutorOptionError, kubernetes_settings
from wonderland.engine.kubernetes_settings import KubernetesSettings
from wonderland.engine.launch_runner import RunnerSettings
from wonderland.engine.launch_supervisor import Supervisor
from wonderland.engine.logs import setup_logging
from wonderland.engine.malformed_requests import MalformedRequestInterceptor
from wonderland.engine.ownership import current_owner
from wonderland.engine.serve_command import DEFAULT_PORT
from wonderland.engine.servicer import WonderlandServicer
from wonderland.engine.work_area import WorkArea
from wonderland.protos import wonderland_pb2, wonderland_pb2_grpc

log = logging.getLogger("wonderland")
SERVICE_NAME = wonderland_pb2.DESCRIPTOR.services_by_name["Wonderland"].full_name


class ServeError(Exception):
    """A setting the server cannot start with; the message is one line."""


def serve(args: argparse.Namespace) -> int:
    setup_logging(debug=args.debug, quiet=args.quiet)
    try:
        return _serve(args)
    except (ServeError, StoreError, CredentialsError, CertificateError) as exc:
        log.error("%s", exc)
        return 1


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ServeError(f"--listen {listen!r}: expected HOST:PORT, e.g. 0.0.0.0:{DEFAULT_PORT}")
    return host, int(port)


def _credentials(args: argparse.Namespace) -> grpc.ServerCredentials:
    files = CaFiles.in_directory(args.tls_dir or paths.default_ca_dir())
    ca_cert = args.ca_cert or files.ca_cert
    cert = args.cert or files.server_cert
    key = args.key or files.server_key
    for path in (ca_cert, cert, key):
        if not os.path.exists(path):
            raise ServeError(
                f"{path}: not found; make a CA with 'wonderland ca init' (or name the files with "
                "--tls-dir, or --ca-cert, --cert and --key), or use --insecure on a loopback "
                "address"
            )
    return server_credentials(ca_cert, cert, key)


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    """Everything a server is started with (what `wonderland serve` takes as options)."""

    db_url: str
    work_dir: str
    address: str
    credentials: grpc.ServerCredentials | None
    insecure_user: Caller | None = None
    parallel: int | None = None
    max_launches: int = 4
    max_message_bytes: int = 16 * 1024 * 1024
    threads: int = 32
    tmpdir_prefix: str = paths.default_tmpdir_prefix()
    no_container: bool = False
    debug: bool = False
    kubernetes: KubernetesSettings | None = None


class RunningServer:
    """A started server: the gRPC server, its launch supervisor and its store."""

    def __init__(self, settings: ServerSettings) -> None:
        for folder, what in ((settings.work_dir, "work area"),
                             (os.path.dirname(settings.tmpdir_prefix), "--tmpdir-prefix")):
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise ServeError(f"{what} {folder}: cannot create it ({exc.strerror})") from exc
        self.store = Store(settings.db_url)
        self.supervisor = Supervisor(self.store, RunnerSettings(
            db_url=settings.db_url, server_owner=current_owner(), parallel=settings.parallel,
            tmpdir_prefix=settings.tmpdir_prefix, no_container=settings.no_container,
            debug=settings.debug, kubernetes=settings.kubernetes,
        ), max_running=settings.max_launches)
        self.supervisor.start()  # before the gRPC server starts threads (fork server)
        self._grpc = grpc.server(
            futures.ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="grpc"),
            # twice the limit, so that a pipeline a little over it is refused by the servicer
            # with a detail that names the limit (gRPC's own refusal says less)
            options=[("grpc.max_receive_message_length", 2 * settings.max_message_bytes),
                     ("grpc.so_reuseport", 0)],
            interceptors=[MalformedRequestInterceptor()],
        )
        servicer = WonderlandServicer(
            self.store, self.supervisor, WorkArea(settings.work_dir),
            max_pipeline_bytes=settings.max_message_bytes, insecure_user=settings.insecure_user,
            kubernetes=settings.kubernetes,
        )
        wonderland_pb2_grpc.add_WonderlandServicer_to_server(servicer, self._grpc)
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._grpc)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
             reflection.SERVICE_NAME), self._grpc)
        try:
            self.port = (self._grpc.add_insecure_port(settings.address)
                         if settings.credentials is None
                         else self._grpc.add_secure_port(settings.address, settings.credentials))
        except RuntimeError as exc:
            log.debug("bind %s: %s", settings.address, exc)
            self.port = 0
        if not self.port:
            self.supervisor.stop()
            self.store.close()
            raise ServeError(f"cannot listen on {settings.address} (in use, or not an address "
                             "of this machine)")
        self._grpc.start()
        for name in ("", SERVICE_NAME):
            self._health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def stop(self, grace: float = 10.0) -> None:
        """Refuse new calls, let calls in flight finish for `grace` seconds, stop the runners
        (their launches stay RUNNING, to resume at the next start)."""
        self._health.enter_graceful_shutdown()
        self._grpc.stop(grace).wait()
        self.supervisor.stop()
        self.store.close()


def _serve(args: argparse.Namespace) -> int:
    host, port = _split_listen(args.listen)
    insecure_user = None
    if args.insecure:
        if not _is_loopback(host):
            raise ServeError(f"--insecure is only allowed on a loopback address, not {host!r} "
                             "(listen on 127.0.0.1, or use mutual TLS)")
        insecure_user = Caller(user=check_user_name(args.insecure_user), admin=False)
        credentials = None
    else:
        credentials = _credentials(args)
    work_dir = os.path.abspath(args.work_dir or paths.default_work_dir())
    try:
        kubernetes = kubernetes_settings(args, work_dir)
    except ExecutorOptionError as exc:
        raise ServeError(str(exc)) from exc
    server = RunningServer(ServerSettings(
        db_url=args.db or paths.default_db_url(),
        work_dir=work_dir,
        address=f"{host}:{port}",
        credentials=credentials,
        insecure_user=insecure_user,
        parallel=args.parallel,
        max_launches=args.max_launches,
        max_message_bytes=int(args.max_message_mb * 1024 * 1024),
        threads=args.threads,
        tmpdir_prefix=args.tmpdir_prefix,
        no_container=args.no_container,
        debug=args.debug,
        kubernetes=kubernetes,
    ))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    mode = ("insecure, every call as user " + args.insecure_user if credentials is None
            else "mutual TLS")
    log.info("listening on %s:%d (%s); database %s; work area %s", host, server.port, mode,
             server.store.url, os.path.abspath(args.work_dir or paths.default_work_dir()))
    while not stop.wait(1.0):
        pass
    log.info("shutting down")
    server.stop(args.grace)
    log.info("stopped")
    return 0
