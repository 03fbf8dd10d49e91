"""The bridge's WSGI app served by werkzeug on a loopback port, for tests that need real HTTP
(the Ruby forwarder, ``replay``)."""

from __future__ import annotations

import socket
import threading

from werkzeug.serving import BaseWSGIServer, make_server

from decidim_bridge import create_app
from decidim_bridge.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BridgeServer:
    """Start and stop the bridge on ``port`` (it may start later than the client: retries)."""

    def __init__(self, settings: Settings, port: int | None = None) -> None:
        self.settings = settings
        self.port = port or free_port()
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/webhooks/decidim"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, create_app(self.settings), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
