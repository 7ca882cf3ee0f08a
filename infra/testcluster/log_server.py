"""The node agent's kubelet endpoint: `GET /containerLogs/{namespace}/{pod}/{container}` over
HTTPS, which is how the API server serves `pods/log` (`kubectl logs`, read_namespaced_pod_log).

Only callers with a client certificate of the cluster's CA are served (the API server's
--kubelet-client-certificate). Query parameters: `follow` (stream until the container ends),
`tailLines`, `limitBytes`; others (timestamps, sinceSeconds, previous) are ignored.
"""

from __future__ import annotations

import re
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

# (namespace, pod, container) -> (log file, whether the container may still write to it)
Lookup = Callable[[str, str, str], tuple[Path, Callable[[], bool]] | None]

_PATH = re.compile(r"/containerLogs/([^/]+)/([^/]+)/([^/]+)")


def tail(data: bytes, lines: int) -> bytes:
    """The last `lines` lines of `data`."""
    if lines <= 0:
        return b""
    parts = data.splitlines(keepends=True)
    return b"".join(parts[-lines:])


class _Handler(BaseHTTPRequestHandler):
    lookup: Lookup

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        match = _PATH.fullmatch(url.path)
        found = match and self.lookup(*match.groups())
        if not found:
            self.send_error(404, "no such container on this node")
            return
        path, running = found
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        follow = query.get("follow") == "true"
        limit = int(query["limitBytes"]) if "limitBytes" in query else None
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Connection", "close")
        self.end_headers()
        with open(path, "rb") if path.exists() else open("/dev/null", "rb") as f:
            data = f.read()
            if "tailLines" in query:
                data = tail(data, int(query["tailLines"]))
            sent = self._send(data, limit)
            while follow and (limit is None or sent < limit):
                alive = running()
                chunk = f.read()
                if chunk:
                    sent += self._send(chunk, None if limit is None else limit - sent)
                elif not alive:
                    return
                else:
                    time.sleep(0.2)

    def _send(self, data: bytes, limit: int | None) -> int:
        if limit is not None:
            data = data[:limit]
        self.wfile.write(data)
        self.wfile.flush()
        return len(data)


def serve(port: int, cert: str, key: str, client_ca: str, lookup: Lookup) -> ThreadingHTTPServer:
    """Start the endpoint on 127.0.0.1:`port` in a daemon thread."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(cert, key)
    handler = type("LogHandler", (_Handler,), {"lookup": staticmethod(lookup)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, name="log-server", daemon=True).start()
    return server
