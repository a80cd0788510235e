"""The monitored service for real: the guide's ``monitoring-api`` as an HTTP service on loopback.

It stands in for API Gateway + the Lambda function: requests write and query ApplicationMetrics in the embedded
DynamoDB through perfbot's AdaptiveCircuitBreaker, the CloudWatch metrics AWS would publish for them are published
from the requests it really served, and its latency follows its configuration as read back from the embedded AWS
(memory, provisioned concurrency, stage cache, table capacity) — so a change perfbot applies has a measurable effect.

    with MonitoredService(settings) as service:   # inside a running Devstack
        print(service.url)                        # http://127.0.0.1:<port>/
        service.faults.failing_dynamodb = True    # the breaker trips on the next requests
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from types import TracebackType

from bot.aws.clients import AwsError, client
from bot.aws.dynamodb import Table
from bot.aws.lambda_ import LambdaGateway
from bot.breaker import AdaptiveCircuitBreaker, DynamoBreakerStore
from bot.settings import Settings
from devstack.service.app import Faults, ServiceCore, request_handler
from devstack.service.config import LiveConfig
from devstack.service.metrics import MetricsRecorder
from devstack.simulator import create_service, get_scenario, metric_names
from devstack.simulator.breaker_story import reset_breaker

__all__ = ["Faults", "MonitoredService"]


class MonitoredService:
    def __init__(
        self,
        settings: Settings,
        *,
        port: int = 0,
        breaker_open_timeout_s: float | None = None,
        breaker_failure_threshold: int | None = None,
        fresh_breaker: bool = True,
    ) -> None:
        self.settings = settings
        self.port = port
        self.open_timeout_s = breaker_open_timeout_s
        self.failure_threshold = breaker_failure_threshold
        self.fresh_breaker = fresh_breaker
        service = settings.services[0]
        self.service = service
        self.names = metric_names(settings, service)
        self.core: ServiceCore | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._config: LiveConfig | None = None
        self._recorder: MetricsRecorder | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the service is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def faults(self) -> Faults:
        if self.core is None:
            raise RuntimeError("the service is not running")
        return self.core.faults

    @property
    def breaker(self) -> AdaptiveCircuitBreaker:
        if self.core is None:
            raise RuntimeError("the service is not running")
        return self.core.breaker

    @property
    def recorder(self) -> MetricsRecorder:
        if self._recorder is None:
            raise RuntimeError("the service is not running")
        return self._recorder

    def start(self) -> MonitoredService:
        settings, names = self.settings, self.names
        if not self._resources_exist():  # an existing service keeps its configuration (perfbot may have changed it)
            create_service(settings, self.service, names, get_scenario("healthy"))
        key = self.service.breaker_key or self.service.name
        if self.fresh_breaker:
            reset_breaker(client("dynamodb", settings.region), settings.tables.state, key)
        breaker = AdaptiveCircuitBreaker(key, DynamoBreakerStore(settings.tables.state, region=settings.region))
        if self.open_timeout_s is not None or self.failure_threshold is not None:
            breaker.set_thresholds(open_timeout_s=self.open_timeout_s, failure_threshold=self.failure_threshold)
        self._config = LiveConfig(names)
        self._recorder = MetricsRecorder(client("cloudwatch", settings.region), names)
        index = self.service.dynamodb_tables[0].service_index or "ServiceNameIndex"
        self.core = ServiceCore(
            table=Table(names.table_name, settings.region),
            index=index,
            breaker=breaker,
            recorder=self._recorder,
            config=self._config,
        )
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), request_handler(self.core))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="monitoring-api", daemon=True)
        self._thread.start()
        self._config.start()
        self._recorder.start()
        return self

    def refresh_config(self) -> None:
        """Re-read the configuration now (the background refresh does it every second)."""
        if self._config is not None:
            self._config.refresh()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._config is not None:
            self._config.stop()
        if self._recorder is not None:
            self._recorder.stop()

    def _resources_exist(self) -> bool:
        try:
            LambdaGateway(self.settings.region).get_function_configuration(self.names.function_name)
        except AwsError:
            return False
        try:
            client("dynamodb", self.settings.region).describe_table(TableName=self.names.table_name)
        except Exception:  # ResourceNotFoundException: not created yet
            return False
        return True

    def __enter__(self) -> MonitoredService:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
