"""The embedded AWS: moto's threaded server on 127.0.0.1 with perfbot's extensions applied in-process.

Clients reach it through boto3's own `AWS_ENDPOINT_URL`, so product code never knows it is not AWS.
"""

from __future__ import annotations

import http.client
import logging
import socket
import time
from types import TracebackType

from moto.server import ThreadedMotoServer

from . import extensions

log = logging.getLogger(__name__)


class EmbeddedAws:
    """A running moto server; `endpoint_url` is what callers export as AWS_ENDPOINT_URL."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", quiet: bool = True) -> None:
        extensions.apply()
        if port:
            _check_free(host, port)
        if quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self._server.start()
        bound_host, bound_port = self._server.get_host_and_port()
        self.host = bound_host
        self.port = bound_port
        self.endpoint_url = f"http://{bound_host}:{bound_port}"
        self._running = True

    def reset(self) -> None:
        """Wipe all state of every service (moto's reset API), e.g. between tests."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("POST", "/moto-api/reset", body=b"")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"moto reset failed with HTTP {response.status}")
        finally:
            connection.close()

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._server.stop()

    def __enter__(self) -> EmbeddedAws:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedAws({self.endpoint_url!r})"


def _check_free(host: str, port: int) -> None:
    """Fail fast: moto's ThreadedMotoServer waits forever when its thread cannot bind the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise OSError(f"cannot start the embedded AWS on {host}:{port}: {err.strerror}") from err


def start_aws(port: int = 0, host: str = "127.0.0.1", quiet: bool = True) -> EmbeddedAws:
    """Apply the extensions and start the server; port 0 picks a free port."""
    return EmbeddedAws(port=port, host=host, quiet=quiet)


def main(port: int = 4566) -> None:
    """Run in the foreground until Ctrl-C (used by `python -m bot devstack`)."""
    with start_aws(port=port, quiet=False) as aws:
        print(f"AWS_ENDPOINT_URL={aws.endpoint_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            log.info("stopping embedded AWS")
