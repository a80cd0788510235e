"""The service's configuration, read back from the embedded AWS as a Lambda function, a stage and a table would
see it — through perfbot's own gateways, so a change perfbot applies is what the service reads next."""

from __future__ import annotations

import logging
import threading

from bot.aws.apigateway import ApiGatewayGateway
from bot.aws.clients import AwsError
from bot.aws.dynamodb_admin import DynamoDbAdmin
from bot.aws.lambda_ import LambdaGateway
from devstack.service.model import ServiceConfig
from devstack.simulator.metrics import MetricNames

log = logging.getLogger(__name__)
REFRESH_S = 1.0


class Gateways:
    """perfbot's gateways as the service reads its configuration, created once: each keeps the credentials it was
    created with (the operator's, at start), so the background refresh never borrows the identity of a perfbot
    function whose invocation happens to hold the process environment at that moment."""

    def __init__(self) -> None:
        self.lambda_ = LambdaGateway()
        self.apigw = ApiGatewayGateway()
        self.dynamodb = DynamoDbAdmin()


def read_config(names: MetricNames, gateways: Gateways | None = None) -> ServiceConfig:
    gateways = gateways or Gateways()
    lambda_ = gateways.lambda_
    memory = lambda_.get_function_configuration(names.function_name).memory_mb
    provisioned = lambda_.get_provisioned_concurrency(names.function_name, names.alias) or 0
    apigw = gateways.apigw
    api_id = apigw.find_rest_api(names.api_name)
    cache_enabled, ttl = False, 300
    if api_id is not None:
        stage = apigw.get_stage(api_id, names.stage)
        cache_enabled = stage.cache_enabled and stage.method_caching
        ttl = stage.cache_ttl_s if stage.cache_ttl_s is not None else 300
    capacity = gateways.dynamodb.describe_capacity(names.table_name)
    return ServiceConfig(
        memory_mb=memory,
        provisioned_concurrency=provisioned,
        cache_enabled=cache_enabled,
        cache_ttl_s=ttl,
        read_capacity=capacity.read_units,
        write_capacity=capacity.write_units,
    )


class LiveConfig:
    """The latest configuration, re-read in the background every REFRESH_S (requests never wait for it)."""

    def __init__(self, names: MetricNames) -> None:
        self._names = names
        self._gateways = Gateways()
        self.current = read_config(names, self._gateways)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="service-config", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def refresh(self) -> ServiceConfig:
        self.current = read_config(self._names, self._gateways)
        return self.current

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(REFRESH_S):
            try:
                self.refresh()
            except AwsError as exc:  # keep serving with the last configuration read
                log.warning("re-reading the service configuration failed: %s", exc)
