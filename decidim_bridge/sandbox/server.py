"""Serve a WSGI app (the sandbox, or the bridge in end-to-end tests) on a loopback port.

``ServerThread`` runs werkzeug's threaded server in a daemon thread: port 0 picks a free
port, ``url`` tells which, ``stop()`` shuts it down (the port then refuses connections,
which is how tests stage "Decidim is down"). ``serve_forever`` is the foreground variant of
the ``sandbox`` command.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class ServerThread:
    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True):
        handler = _QuietHandler if quiet else WSGIRequestHandler
        self.server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler
        )
        self.host = host
        self.port = self.server.server_port
        self._thread = threading.Thread(
            target=self.server.serve_forever, name=f"wsgi-{self.port}", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(app: Any, host: str, port: int, *, quiet: bool = True) -> None:
    """Serve until KeyboardInterrupt/SIGTERM (the caller turns SIGTERM into an exception)."""
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    handler = _QuietHandler if quiet else WSGIRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    try:
        server.serve_forever()
    finally:
        server.server_close()
