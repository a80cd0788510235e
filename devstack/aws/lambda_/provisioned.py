"""Lambda provisioned concurrency for moto, which has none: Put/Get/List/DeleteProvisionedConcurrencyConfig.

Rules follow the Lambda API reference: the qualifier must be a published version or an alias of one (`$LATEST`
and aliases of `$LATEST` are rejected with InvalidParameterValueException "Provisioned Concurrency Configs
cannot be applied to unpublished function versions."), an unknown version/alias is ResourceNotFoundException,
units are >= 1, and the units of all the function's configs together may not exceed its reserved concurrency
when one is set. A missing config is ProvisionedConcurrencyConfigNotFoundException (404).

Deviation: real Lambda answers Put with Status IN_PROGRESS and allocates over the next minutes; here the
config is READY at once, with Allocated = Available = Requested, because nothing actually runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import moto.awslambda.urls as lambda_urls
from moto.awslambda.exceptions import (
    InvalidParameterValueException,
    LambdaClientError,
    UnknownFunctionException,
    ValidationException,
)
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.responses import LambdaResponse
from moto.core.responses import TYPE_RESPONSE

ROUTE = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"
UNPUBLISHED = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
MAX_LIST_ITEMS = 50


class ProvisionedConcurrencyConfigNotFound(LambdaClientError):
    code = 404

    def __init__(self) -> None:
        super().__init__(
            "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function"
        )


class ConfigNotFoundOnDelete(LambdaClientError):
    code = 404

    def __init__(self) -> None:
        super().__init__("ResourceNotFoundException", "No Provisioned Concurrency Config found for this function")


def _function_name(response: LambdaResponse) -> str:
    """FunctionName from the URI (moto's router names it after the botocore member), name or ARN."""
    return unquote(str(response.uri_match.get("FunctionName") or response.path.rsplit("/", 2)[-2]))


def _configs(backend: LambdaBackend) -> dict[tuple[str, str], dict[str, Any]]:
    """(function name, qualifier) -> config; lives on the backend so moto's reset wipes it."""
    return backend.__dict__.setdefault("_perfbot_provisioned", {})


def _target(backend: LambdaBackend, function: str, qualifier: str | None) -> tuple[LambdaFunction, str]:
    """The function (latest) and the ARN of the published version or alias that `qualifier` names."""
    fn = backend.get_function(function)
    if not qualifier:
        raise InvalidParameterValueException("The Qualifier parameter is required (a version number or alias).")
    if qualifier.upper() == "$LATEST":
        raise InvalidParameterValueException(UNPUBLISHED)
    name = fn.function_name
    if backend._lambdas._get_version(name, qualifier) is not None:
        return fn, f"{fn.function_arn}:{qualifier}"
    aliases = backend._lambdas._get_function_aliases(name)
    if qualifier in aliases:
        if aliases[qualifier].function_version.upper() == "$LATEST":
            raise InvalidParameterValueException(UNPUBLISHED)
        return fn, f"{fn.function_arn}:{qualifier}"
    raise UnknownFunctionException(f"{fn.function_arn}:{qualifier}")


def _public(config: dict[str, Any], with_arn: bool = False) -> dict[str, Any]:
    keys = [
        "RequestedProvisionedConcurrentExecutions",
        "AvailableProvisionedConcurrentExecutions",
        "AllocatedProvisionedConcurrentExecutions",
        "Status",
        "LastModified",
    ]
    out = {k: config[k] for k in keys}
    if with_arn:
        out["FunctionArn"] = config["FunctionArn"]
    return out


def _check_reserved(backend: LambdaBackend, fn: LambdaFunction, qualifier: str, units: int) -> None:
    reserved = fn.reserved_concurrency
    if reserved is None or reserved == "":
        return
    others = sum(
        c["RequestedProvisionedConcurrentExecutions"]
        for (name, q), c in _configs(backend).items()
        if name == fn.function_name and q != qualifier
    )
    if units + others > int(reserved):
        raise InvalidParameterValueException(
            f"Requested Provisioned Concurrency ({units}, plus {others} on other versions and aliases) should not "
            f"be greater than the reservedConcurrentExecution ({reserved}) for function {fn.function_name}."
        )


def put_provisioned_concurrency_config(self: LambdaResponse) -> TYPE_RESPONSE:
    function = _function_name(self)
    qualifier = self.querystring.get("Qualifier", [None])[0]
    units = json.loads(self.body or "{}").get("ProvisionedConcurrentExecutions")
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise ValidationException(
            str(units), "provisionedConcurrentExecutions", "Member must have value greater than or equal to 1"
        )
    fn, arn = _target(self.backend, function, qualifier)
    assert qualifier is not None  # _target rejected a missing one
    _check_reserved(self.backend, fn, qualifier, units)
    config = {
        "FunctionArn": arn,
        "RequestedProvisionedConcurrentExecutions": units,
        "AvailableProvisionedConcurrentExecutions": units,
        "AllocatedProvisionedConcurrentExecutions": units,
        "Status": "READY",
        "LastModified": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
    }
    _configs(self.backend)[(fn.function_name, qualifier)] = config
    return 202, {"status": 202, "content-type": "application/json"}, json.dumps(_public(config))


def get_provisioned_concurrency_config(self: LambdaResponse) -> TYPE_RESPONSE:
    function = _function_name(self)
    qualifier = self.querystring.get("Qualifier", [None])[0]
    fn, _ = _target(self.backend, function, qualifier)
    config = _configs(self.backend).get((fn.function_name, str(qualifier)))
    if config is None:
        raise ProvisionedConcurrencyConfigNotFound()
    return 200, {"content-type": "application/json"}, json.dumps(_public(config))


def list_provisioned_concurrency_configs(self: LambdaResponse) -> TYPE_RESPONSE:
    function = _function_name(self)
    fn = self.backend.get_function(function)
    items = [
        _public(c, with_arn=True) for (name, _), c in sorted(_configs(self.backend).items()) if name == fn.function_name
    ]
    marker = self.querystring.get("Marker", ["0"])[0]
    limit = min(int(self.querystring.get("MaxItems", [MAX_LIST_ITEMS])[0]), MAX_LIST_ITEMS)
    if not str(marker).isdigit():
        raise InvalidParameterValueException("Invalid Marker.")
    offset = int(marker)
    body: dict[str, Any] = {"ProvisionedConcurrencyConfigs": items[offset : offset + limit]}
    if offset + limit < len(items):
        body["NextMarker"] = str(offset + limit)
    return 200, {"content-type": "application/json"}, json.dumps(body)


def delete_provisioned_concurrency_config(self: LambdaResponse) -> TYPE_RESPONSE:
    function = _function_name(self)
    qualifier = self.querystring.get("Qualifier", [None])[0]
    fn, _ = _target(self.backend, function, qualifier)
    if _configs(self.backend).pop((fn.function_name, str(qualifier)), None) is None:
        raise ConfigNotFoundOnDelete()
    return 204, {"status": 204}, ""


def apply() -> None:
    """Register the REST route botocore uses and the four actions (idempotent)."""
    lambda_urls.url_paths.setdefault(ROUTE, LambdaResponse.dispatch)
    LambdaResponse.put_provisioned_concurrency_config = put_provisioned_concurrency_config  # type: ignore[attr-defined]
    LambdaResponse.get_provisioned_concurrency_config = get_provisioned_concurrency_config  # type: ignore[attr-defined]
    LambdaResponse.list_provisioned_concurrency_configs = list_provisioned_concurrency_configs  # type: ignore[attr-defined]
    LambdaResponse.delete_provisioned_concurrency_config = delete_provisioned_concurrency_config  # type: ignore[attr-defined]
