"""HTTP/1.1 persistent connections for the embedded AWS, as AWS's endpoints keep them.

werkzeug's development server answers every request with ``Connection: close`` because, after the response, it drains
whatever is left on the socket (waiting up to 10 ms) and would swallow the next request of a kept-alive connection.
Then every boto3 call pays a TCP connect, an accept and a new server thread. Here the request body is read in full
(Content-Length) before the application runs, the drain sees an empty stream, and the connection stays open for the
next request. Chunked or ``Expect: 100-continue`` requests keep werkzeug's close-after-response behaviour.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler

_access_log = logging.getLogger("werkzeug")
_drained: socket.socket | None = None
_lock = threading.Lock()


def _drained_socket() -> socket.socket:
    """A socket whose peer has closed: always readable, always at end of stream (what a drained request looks like)."""
    global _drained
    with _lock:
        if _drained is None:
            _drained, peer = socket.socketpair()
            peer.close()
        return _drained


class KeepAliveRequestHandler(MotoRequestHandler):
    keep_alive = False
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall between

    def handle_one_request(self) -> None:
        self.client_connection = self.connection
        self.keep_alive = False  # decided per request, once its body has been read
        super().handle_one_request()

    def run_wsgi(self) -> None:
        headers = self.headers
        if headers.get("Expect") or "chunked" in headers.get("Transfer-Encoding", "").lower():
            self.keep_alive = False
            super().run_wsgi()
            return
        length = int(headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        self.keep_alive = self.request_version == "HTTP/1.1" and not self.close_connection and len(body) == length
        connection, rfile = self.connection, self.rfile
        self.client_connection = connection  # the real socket, for a fault that drops it (devstack.faults)
        self.connection, self.rfile = _drained_socket(), io.BytesIO(body)
        try:
            super().run_wsgi()
        finally:
            self.connection, self.rfile = connection, rfile

    def make_environ(self) -> Any:
        environ = super().make_environ()
        environ["devstack.connection"] = getattr(self, "client_connection", None) or self.connection
        return environ

    def send_header(self, keyword: str, value: Any) -> None:
        if self.keep_alive and keyword.lower() == "connection" and str(value).lower() == "close":
            return  # the body was read in full: the connection can carry the client's next request
        super().send_header(keyword, value)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # werkzeug formats the access-log line (path, colours, timestamp) before its logger decides; quiet skips that
        if _access_log.level == logging.NOTSET or _access_log.isEnabledFor(logging.INFO):
            super().log_request(code, size)
