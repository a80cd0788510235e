"""Patches moto's CloudWatch so PutMetricData / GetMetricData / GetMetricStatistics / ListMetrics use our store.

The patches live on moto's classes (CloudWatchBackend, CloudWatchResponse) because moto's server builds its
backends and response objects itself; patching the class before the server starts is the only seam it offers.
Each backend (account + region) gets its own MetricStore as an instance attribute, so moto's reset, which
rebuilds backends, also wipes the metrics.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue
from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.request import Request
from moto.core.responses import ActionResult, BaseResponse

from . import metric_query
from .metric_store import MetricKey, MetricStore

MAX_VALUES_PER_DATUM = 150
MAX_DATUMS_PER_CALL = 1000
LIST_METRICS_PAGE = 500
_RECENTLY_ACTIVE = 3 * 3600


def store_of(backend: CloudWatchBackend) -> MetricStore:
    """The backend's metric store, created on first use (moto builds backends lazily)."""
    store = backend.__dict__.get("_perfbot_store")
    if store is None:
        store = backend.__dict__.setdefault("_perfbot_store", MetricStore())
    return store


def _validate_member(backend: CloudWatchBackend, member: dict[str, Any], number: int) -> None:
    backend._validate_parameters_put_metric_data(member, number)
    values = member.get("Values") or []
    if len(values) > MAX_VALUES_PER_DATUM:
        raise InvalidParameterValue(
            f"The collection MetricData.member.{number}.Values must not have a size greater than "
            f"{MAX_VALUES_PER_DATUM}."
        )
    if member.get("Counts") and not values:
        raise InvalidParameterValue(
            f"The parameter MetricData.member.{number}.Counts requires MetricData.member.{number}.Values."
        )
    for count in member.get("Counts") or []:
        if float(count) < 0:
            raise InvalidParameterValue(f"The parameter MetricData.member.{number}.Counts must not be negative.")


def put_metric_data(self: CloudWatchBackend, namespace: str, metric_data: list[dict[str, Any]]) -> None:
    """Validate every member first (AWS rejects the whole call), then store without expanding Counts."""
    if len(metric_data) > MAX_DATUMS_PER_CALL:
        raise InvalidParameterValue(
            f"The collection MetricData must not have a size greater than {MAX_DATUMS_PER_CALL}."
        )
    for number, member in enumerate(metric_data, start=1):
        _validate_member(self, member, number)
    store = store_of(self)
    for member in metric_data:
        store.put(namespace, member)


def _metric_dict(key: MetricKey) -> dict[str, Any]:
    namespace, name, dims = key
    return {
        "Namespace": namespace,
        "MetricName": name,
        "Dimensions": [{"Name": n, "Value": v} for n, v in sorted(dims)],
    }


def response_get_metric_data(self: CloudWatchResponse) -> ActionResult:
    results = metric_query.get_metric_data(store_of(self.cloudwatch_backend), self._get_params())
    return ActionResult({"MetricDataResults": results, "Messages": []})


def response_get_metric_statistics(self: CloudWatchResponse) -> ActionResult:
    params = self._get_params()
    datapoints = metric_query.get_metric_statistics(store_of(self.cloudwatch_backend), params)
    return ActionResult({"Label": params.get("MetricName"), "Datapoints": datapoints})


def response_list_metrics(self: CloudWatchResponse) -> ActionResult:
    params = self._get_params()
    store = store_of(self.cloudwatch_backend)
    keys = list(store.list_metrics(params.get("Namespace"), params.get("MetricName"), params.get("Dimensions")))
    if params.get("RecentlyActive") == "PT3H":
        cutoff = time.time() - _RECENTLY_ACTIVE
        keys = [k for k in keys if (store.last_timestamp(k) or 0) >= cutoff]
    token = params.get("NextToken")
    offset = 0
    if token:
        if not str(token).isdigit():
            raise InvalidParameterValue("Request parameter NextToken is invalid")
        offset = int(token)
    page = keys[offset : offset + LIST_METRICS_PAGE]
    result: dict[str, Any] = {"Metrics": [_metric_dict(k) for k in page]}
    if offset + LIST_METRICS_PAGE < len(keys):
        result["NextToken"] = str(offset + LIST_METRICS_PAGE)
    return ActionResult(result)


def parse_parameters(self: CloudWatchResponse, request: Request) -> None:
    """Fast path for PutMetricData over the JSON protocol (what botocore sends).

    moto's generic model-driven parser walks every number of every datum and dominates the cost of loading a
    day of metrics; the JSON body already has the right shape (timestamps as epoch seconds, which the store
    accepts), so it is used as it is. Every other action and protocol goes through moto's parser.
    """
    if self._get_action() == "PutMetricData" and "json" in (request.content_type or ""):
        body = json.loads(request.data or b"{}")
        if isinstance(body, dict):
            self.params = body
            return
    BaseResponse.parse_parameters(self, request)


FORGET_PATH = "/_devstack/cloudwatch/forget-metrics"


def forget_metrics(series: list[dict[str, Any]]) -> int:
    """Drop the matching series (``[{"Namespace", "Dimensions": [{"Name", "Value"}]}]``) in every account and
    region; how many series went."""
    from moto.cloudwatch.models import cloudwatch_backends

    dropped = 0
    for regions in list(cloudwatch_backends.values()):
        for backend in list(regions.values()):
            store = store_of(backend)
            dropped += sum(store.forget(str(s["Namespace"]), s.get("Dimensions")) for s in series)
    return dropped


def control_middleware(app: Callable[..., Any]) -> Callable[..., Any]:
    """``POST /_devstack/cloudwatch/forget-metrics`` (JSON ``{"series": [...]}``) in front of moto: what lets
    ``python -m bot simulate`` replace an earlier simulation's metrics in a devstack running in another process."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != FORGET_PATH:
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        answer: dict[str, Any]
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            series = body["series"]
            if environ.get("REQUEST_METHOD") != "POST" or not isinstance(series, list):
                raise ValueError("POST a JSON object with a list of series")
            status, answer = "200 OK", {"forgotten": forget_metrics(series)}
        except (ValueError, KeyError, TypeError) as exc:
            status, answer = "400 Bad Request", {"error": str(exc)}
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    return serve


def apply() -> None:
    """Install the patches (idempotent: re-assigning the same functions is harmless)."""
    CloudWatchBackend.put_metric_data = put_metric_data  # type: ignore[method-assign]
    CloudWatchResponse.parse_parameters = parse_parameters  # type: ignore[method-assign, assignment]
    CloudWatchResponse.get_metric_data = response_get_metric_data  # type: ignore[method-assign]
    CloudWatchResponse.get_metric_statistics = response_get_metric_statistics  # type: ignore[method-assign]
    CloudWatchResponse.list_metrics = response_list_metrics  # type: ignore[method-assign]
