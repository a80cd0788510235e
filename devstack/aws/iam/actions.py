"""Which IAM action(s) on which resource ARN(s) an AWS API request needs, as the Service Authorization Reference says.

moto authorizes every request as ``<signing name>:<operation>`` on resource ``"*"``; IAM does not. Here each request
perfbot (and the devstack around it) makes becomes what AWS authorizes:

- DynamoDB: ``dynamodb:<Operation>`` on ``table/<TableName>`` (``table/<T>/index/<I>`` for a Query or Scan with
  IndexName); BatchGetItem / BatchWriteItem on every table of RequestItems; TransactWriteItems as the PutItem /
  UpdateItem / DeleteItem / ConditionCheckItem of each item on its table, TransactGetItems as GetItem each.
- Lambda: ``lambda:InvokeFunction`` for Invoke; otherwise the operation's name, on the function ARN — with
  ``:<qualifier>`` when the request names a version or alias (Qualifier, or ``name:qualifier``).
- API Gateway: ``apigateway:<HTTP method>`` on ``arn:aws:apigateway:<region>::<request path>``.
- CloudWatch: the ``cloudwatch:`` prefix (not the signing name ``monitoring``); alarm actions on the alarm ARNs they
  name (DescribeAlarms without names on ``alarm:*``), dashboards on theirs, GetInsightRuleReport on
  ``insight-rule/<RuleName>``, metric reads and writes on ``*``
  (they have no resource-level permissions); ``cloudwatch:namespace`` is known for PutMetricData.
- SSM parameters on ``parameter/<name>``; Application Auto Scaling on ``*``; Bedrock runtime Converse / InvokeModel as
  ``bedrock:InvokeModel`` (``…WithResponseStream`` for the streams) on the foundation-model or inference-profile ARN;
  SQS on the queue ARN; SNS on the topic ARN; STS AssumeRole on the role ARN, GetCallerIdentity needs nothing.

Anything else is ``<service>:<Operation>`` on ``*``, which only a ``*`` resource in a policy matches. Pure functions
of the parsed request, so the unit tests drive them without a server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

# IAM service prefixes that differ from the SigV4 signing name
_PREFIX = {"monitoring": "cloudwatch"}


@dataclass(frozen=True)
class Call:
    """What the embedded AWS knows of one request, after moto parsed it."""

    service: str  # the SigV4 signing name: dynamodb, lambda, monitoring, apigateway, bedrock, …
    operation: str  # the API operation, e.g. "GetItem", "Invoke"
    region: str
    account: str
    method: str = "POST"
    path: str = "/"
    params: Mapping[str, Any] = field(default_factory=dict)  # body and URI members, botocore names where known
    query: Mapping[str, str] = field(default_factory=dict)
    partition: str = "aws"


@dataclass(frozen=True)
class Needed:
    """One permission the request needs: an IAM action on a resource, with the request's service condition keys."""

    action: str
    resource: str
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


def service_prefix(signing_name: str) -> str:
    """The IAM service prefix of a SigV4 signing name (``monitoring`` → ``cloudwatch``)."""
    return _PREFIX.get(signing_name, signing_name)


def needed(call: Call) -> list[Needed]:
    """Every permission ``call`` needs (all must be allowed)."""
    mapper = _MAPPERS.get(call.service)
    if mapper is None:
        return [Needed(f"{service_prefix(call.service)}:{call.operation}", "*")]
    return mapper(call)


def _arn(call: Call, service: str, rest: str, *, region: bool = True, account: bool = True) -> str:
    return f"arn:{call.partition}:{service}:{call.region if region else ''}:{call.account if account else ''}:{rest}"


# ----------------------------------------------------------------------------------------------- DynamoDB

_TRANSACT_WRITE = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _table(call: Call, name: str) -> str:
    return name if name.startswith("arn:") else _arn(call, "dynamodb", f"table/{name}")


def _dynamodb(call: Call) -> list[Needed]:
    op, p = call.operation, call.params
    if op in ("BatchGetItem", "BatchWriteItem"):
        return [Needed(f"dynamodb:{op}", _table(call, t)) for t in p.get("RequestItems") or {}]
    if op == "TransactWriteItems":
        out = []
        for item in p.get("TransactItems") or []:
            for kind, body in item.items():
                out.append(Needed(f"dynamodb:{_TRANSACT_WRITE.get(kind, kind)}", _table(call, body["TableName"])))
        return out
    if op == "TransactGetItems":
        return [Needed("dynamodb:GetItem", _table(call, i["Get"]["TableName"])) for i in p.get("TransactItems") or []]
    name = p.get("TableName") or p.get("ResourceArn")
    if not name:
        return [Needed(f"dynamodb:{op}", "*")]
    resource = _table(call, str(name))
    if op in ("Query", "Scan") and p.get("IndexName"):
        resource += f"/index/{p['IndexName']}"
    return [Needed(f"dynamodb:{op}", resource)]


# ----------------------------------------------------------------------------------------------- Lambda

_LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction"}


def function_arn(call: Call, name: str, qualifier: str | None = None) -> str:
    """The function's ARN from a name, ``name:qualifier``, a partial ARN or an ARN; ``:qualifier`` when one is named."""
    parts = name.split(":")
    if name.startswith("arn:") and len(parts) >= 7:
        base, embedded = ":".join(parts[:7]), (parts[7] if len(parts) > 7 else None)
    elif len(parts) >= 3 and parts[1] == "function":  # 123456789012:function:name[:qualifier]
        base = f"arn:{call.partition}:lambda:{call.region}:{parts[0]}:function:{parts[2]}"
        embedded = parts[3] if len(parts) > 3 else None
    else:
        base, embedded = _arn(call, "lambda", f"function:{parts[0]}"), (parts[1] if len(parts) > 1 else None)
    qualifier = qualifier or embedded
    return f"{base}:{qualifier}" if qualifier else base


def _lambda(call: Call) -> list[Needed]:
    action = f"lambda:{_LAMBDA_ACTIONS.get(call.operation, call.operation)}"
    name = call.params.get("FunctionName")
    if not name:
        return [Needed(action, "*")]
    return [Needed(action, function_arn(call, str(name), call.query.get("Qualifier")))]


# ----------------------------------------------------------------------------------------------- API Gateway


def _apigateway(call: Call) -> list[Needed]:
    path = unquote(urlparse(call.path).path)
    return [Needed(f"apigateway:{call.method.upper()}", _arn(call, "apigateway", path, account=False))]


# ----------------------------------------------------------------------------------------------- CloudWatch

_ALARM_OPERATIONS = {
    "DescribeAlarms",
    "DeleteAlarms",
    "EnableAlarmActions",
    "DisableAlarmActions",
    "DescribeAlarmHistory",
}


def _cloudwatch(call: Call) -> list[Needed]:
    op, p = call.operation, call.params
    action = f"cloudwatch:{op}"
    if op in ("PutMetricAlarm", "PutCompositeAlarm", "SetAlarmState"):
        resources = [_arn(call, "cloudwatch", f"alarm:{p.get('AlarmName', '')}")]
    elif op in _ALARM_OPERATIONS:
        names = p.get("AlarmNames") or ([p["AlarmName"]] if p.get("AlarmName") else ["*"])
        resources = [_arn(call, "cloudwatch", f"alarm:{n}") for n in names]
    elif op in ("GetDashboard", "PutDashboard", "DeleteDashboards"):
        names = p.get("DashboardNames") or [p.get("DashboardName", "")]
        resources = [_arn(call, "cloudwatch", f"dashboard/{n}", region=False) for n in names]
    elif op == "GetInsightRuleReport":
        resources = [_arn(call, "cloudwatch", f"insight-rule/{p.get('RuleName', '')}")]
    elif op == "PutMetricData" and p.get("Namespace"):
        return [Needed(action, "*", {"cloudwatch:namespace": str(p["Namespace"])})]
    else:
        resources = ["*"]
    return [Needed(action, r) for r in resources]


# ----------------------------------------------------------------------------------------------- SSM


def _parameter(call: Call, name: str) -> str:
    if name.startswith("arn:"):
        return name
    return _arn(call, "ssm", "parameter" + (name if name.startswith("/") else f"/{name}"))


def _ssm(call: Call) -> list[Needed]:
    op, p = call.operation, call.params
    action = f"ssm:{op}"
    if op in {"GetParameters", "DeleteParameters"}:
        return [Needed(action, _parameter(call, str(n))) for n in p.get("Names") or []]
    if op == "GetParametersByPath":
        return [Needed(action, _parameter(call, str(p.get("Path", "/"))))]
    if p.get("Name"):
        return [Needed(action, _parameter(call, str(p["Name"]).split(":")[0]))]  # "name:version" / "name:label"
    return [Needed(action, "*")]


# ----------------------------------------------------------------------------------------------- Bedrock runtime

_BEDROCK_ACTIONS = {
    "Converse": "InvokeModel",
    "InvokeModel": "InvokeModel",
    "ConverseStream": "InvokeModelWithResponseStream",
    "InvokeModelWithResponseStream": "InvokeModelWithResponseStream",
}


def model_arn(call: Call, model_id: str) -> str:
    """A foundation model's ARN (no account), or an inference profile's (``us.…``, ``eu.…``), or the ARN given."""
    model_id = unquote(model_id)
    if model_id.startswith("arn:"):
        return model_id
    geography = model_id.split(".", 1)[0]
    if geography in {"us", "eu", "apac", "us-gov", "global", "jp", "au", "ca"}:
        return _arn(call, "bedrock", f"inference-profile/{model_id}")
    return _arn(call, "bedrock", f"foundation-model/{model_id}", account=False)


def _bedrock(call: Call) -> list[Needed]:
    action = f"bedrock:{_BEDROCK_ACTIONS.get(call.operation, call.operation)}"
    model = call.params.get("modelId")
    return [Needed(action, model_arn(call, str(model)) if model else "*")]


# ----------------------------------------------------------------------------------------------- SQS, SNS, STS


def _sqs(call: Call) -> list[Needed]:
    url = call.params.get("QueueUrl")
    name = str(url).rstrip("/").rsplit("/", 1)[-1] if url else call.params.get("QueueName")
    return [Needed(f"sqs:{call.operation}", _arn(call, "sqs", str(name)) if name else "*")]


def _sns(call: Call) -> list[Needed]:
    arn = call.params.get("TopicArn") or call.params.get("TargetArn") or call.params.get("ResourceArn")
    if not arn and call.operation == "CreateTopic" and call.params.get("Name"):
        arn = _arn(call, "sns", str(call.params["Name"]))
    return [Needed(f"sns:{call.operation}", str(arn) if arn else "*")]


def _sts(call: Call) -> list[Needed]:
    if call.operation == "GetCallerIdentity":
        return []  # always allowed, even under an explicit Deny
    if call.operation.startswith("AssumeRole"):
        return [Needed(f"sts:{call.operation}", str(call.params.get("RoleArn", "*")))]
    return [Needed(f"sts:{call.operation}", "*")]


_MAPPERS: dict[str, Callable[[Call], list[Needed]]] = {
    "dynamodb": _dynamodb,
    "lambda": _lambda,
    "apigateway": _apigateway,
    "monitoring": _cloudwatch,
    "ssm": _ssm,
    "bedrock": _bedrock,
    "sqs": _sqs,
    "sns": _sns,
    "sts": _sts,
}


def params_of(body: Any, uri_params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A request's members for the mappers: a parsed body (dict), or a JSON body, plus the URI members."""
    params: dict[str, Any] = {}
    if isinstance(body, dict):
        params.update(body)
    elif isinstance(body, (str, bytes)) and body[:1] in ("{", b"{"):
        try:
            loaded = json.loads(body)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            params.update(loaded)
    if uri_params:
        params.update(uri_params)
    return params
