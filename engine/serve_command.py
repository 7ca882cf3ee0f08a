"""`wonderland serve`: its options. The server itself, loaded only for this command, is
`wonderland.engine.server`."""

from __future__ import annotations

import argparse
import os

from wonderland.engine import executor_options, paths

DEFAULT_PORT = 50051


def add_parser(sub, positive_int, positive_float) -> None:
    serve = sub.add_parser(
        "serve", help="run the Wonderland server (gRPC, mutual TLS)",
        description="Answer the wonderland.v1 gRPC API: run submitted workflows, keep their "
        "history in the state database. On start, launches that were running are resumed.",
    )
    serve.add_argument("--listen", default=f"0.0.0.0:{DEFAULT_PORT}", metavar="HOST:PORT",
                       help="address to listen on (default: %(default)s; port 0 picks a free "
                            "one, printed at start)")
    serve.add_argument("--db", default=None, metavar="URL",
                       help=f"state database (default: sqlite:///{paths.default_db_path()})")
    serve.add_argument("--work-dir", default=None, metavar="DIR",
                       help=f"the work area: uploads, launches' steps, logs and outputs "
                            f"(default: {paths.default_work_dir()})")
    serve.add_argument("--tls-dir", default=None, metavar="DIR",
                       help=f"a folder made by 'wonderland ca init' (ca.crt, server.crt, "
                            f"server.key; default: {paths.default_ca_dir()})")
    serve.add_argument("--ca-cert", default=None, metavar="FILE",
                       help="the CA certificate that client certificates must be signed by")
    serve.add_argument("--cert", default=None, metavar="FILE", help="the server's certificate")
    serve.add_argument("--key", default=None, metavar="FILE", help="the server's private key")
    serve.add_argument("--insecure", action="store_true",
                       help="plaintext without client certificates; only on a loopback address")
    serve.add_argument("--insecure-user", default=os.environ.get("USER") or "local",
                       metavar="NAME",
                       help="with --insecure, the user every call is made as "
                            "(default: %(default)s)")
    serve.add_argument("--parallel", type=positive_int, default=None,
                       metavar="N", help=f"cores given to one launch's steps at once "
                                         f"(default: all, {os.cpu_count() or 1}; with "
                                         f"--executor kubernetes, no limit)")
    serve.add_argument("--max-launches", type=positive_int, default=4, metavar="N",
                       help="launches running at once; more wait as PENDING "
                            "(default: %(default)s)")
    serve.add_argument("--max-message-mb", type=positive_float, default=16.0, metavar="MB",
                       help="largest request message accepted (default: %(default)s)")
    serve.add_argument("--threads", type=positive_int, default=32, metavar="N",
                       help="calls answered at once (default: %(default)s)")
    serve.add_argument("--tmpdir-prefix", default=paths.default_tmpdir_prefix(),
                       metavar="PREFIX", help="prefix of the temporary directories of tools")
    serve.add_argument("--no-container", action="store_true",
                       help="run tools that require a DockerRequirement on the host anyway")
    serve.add_argument("--grace", type=positive_float, default=10.0, metavar="SECONDS",
                       help="how long calls in flight may finish at shutdown "
                            "(default: %(default)s)")
    serve.add_argument("--quiet", action="store_true", help="only print warnings and errors")
    serve.add_argument("--debug", action="store_true", help="print debugging output")
    executor_options.add_options(serve, positive_float)


def run(args: argparse.Namespace) -> int:
    # imported here so that `wonderland run` does not pay for loading gRPC
    from wonderland.engine.server import serve

    return serve(args)
