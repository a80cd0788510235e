"""The embedded AWS: moto's server (werkzeug, threaded, keep-alive) on 127.0.0.1 with perfbot's extensions in-process.

Clients reach it through boto3's own `AWS_ENDPOINT_URL`, so product code never knows it is not AWS.
"""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, make_server

from . import extensions
from .iam.authz import Credentials, Denial, Enforcement, Principals, enforce, release

log = logging.getLogger(__name__)


class EmbeddedAws:
    """A running moto server; `endpoint_url` is what callers export as AWS_ENDPOINT_URL.

    With ``principals`` it enforces IAM as AWS does (see :mod:`.iam.authz`): only their credentials authenticate
    (:meth:`credentials`), each request is authorized against its principal's policies, and refusals are logged in
    :attr:`denials`. Without, it is moto as usual: any credentials, everything allowed.
    """

    def __init__(
        self, port: int = 0, host: str = "127.0.0.1", quiet: bool = True, principals: Principals | None = None
    ) -> None:
        extensions.apply()
        if port:
            _check_free(host, port)
        if quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = _server(host, port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-aws", daemon=True)
        self._thread.start()
        bound_host, bound_port = self._server.server_address[:2]
        self.host = bound_host if isinstance(bound_host, str) else bound_host.decode()
        self.port = int(bound_port)
        self.endpoint_url = f"http://{self.host}:{self.port}"
        self._running = True
        self._iam: Enforcement | None = enforce(self.port, principals) if principals is not None else None

    @property
    def enforces_iam(self) -> bool:
        return self._iam is not None

    @property
    def principals(self) -> Principals | None:
        return self._iam.principals if self._iam is not None else None

    def credentials(self, principal: str) -> Credentials:
        """The credentials of ``"operator"`` or of a function (``"slack"``, ``"alarms"``, ``"schedule"``)."""
        if self._iam is None:
            raise RuntimeError("this embedded AWS does not enforce IAM: any credentials work")
        return self._iam.principals.credentials[principal]

    @property
    def denials(self) -> list[Denial]:
        """Every request IAM refused since the last reset (or clear_denials), oldest first; a snapshot."""
        return self._iam.denials if self._iam is not None else []

    def clear_denials(self) -> list[Denial]:
        """Forget the denials so far (a test that provokes one on purpose); returns them."""
        return self._iam.clear_denials() if self._iam is not None else []

    def reset(self) -> None:
        """Wipe all state of every service (moto's reset API), e.g. between tests. The IAM principals come back with
        the same credentials (moto's reset wipes IAM and STS too); the denial log starts empty."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("POST", "/moto-api/reset", body=b"")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"moto reset failed with HTTP {response.status}")
        finally:
            connection.close()
        self.clear_denials()

    def stop(self) -> None:
        if self._running:
            self._running = False
            release(self.port)
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()

    def __enter__(self) -> EmbeddedAws:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedAws({self.endpoint_url!r})"


def _server(host: str, port: int) -> BaseWSGIServer:
    """moto's dispatcher behind werkzeug's threaded server (as moto's ThreadedMotoServer), with keep-alive."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from devstack import latency
    from devstack.faults import aws_middleware

    from .cloudwatch.metrics import control_middleware
    from .keepalive import KeepAliveRequestHandler

    # devstack.faults: injected failures; devstack.latency: the latency model
    moto = control_middleware(DomainDispatcherApplication(create_backend_app))  # + forgetting simulated metrics
    app = latency.middleware(aws_middleware(moto), "aws")
    return make_server(host, port, app, threaded=True, request_handler=KeepAliveRequestHandler)


def _check_free(host: str, port: int) -> None:
    """Fail fast: moto's ThreadedMotoServer waits forever when its thread cannot bind the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise OSError(f"cannot start the embedded AWS on {host}:{port}: {err.strerror}") from err


def start_aws(
    port: int = 0, host: str = "127.0.0.1", quiet: bool = True, principals: Principals | None = None
) -> EmbeddedAws:
    """Apply the extensions and start the server; port 0 picks a free port. ``principals`` turns IAM enforcement on
    (``Principals.load()``: perfbot's functions as packaged from serverless.yml, and the operator)."""
    return EmbeddedAws(port=port, host=host, quiet=quiet, principals=principals)


def main(port: int = 4566) -> None:
    """Run in the foreground until Ctrl-C (used by `python -m bot devstack`)."""
    with start_aws(port=port, quiet=False) as aws:
        print(f"AWS_ENDPOINT_URL={aws.endpoint_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            log.info("stopping embedded AWS")
