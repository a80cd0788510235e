"""Composite alarms for moto: PutCompositeAlarm, DescribeAlarms as AWS filters it, and rule evaluation.

moto 5.2.5 stores an AlarmRule on its Alarm model but has no PutCompositeAlarm action, ignores `AlarmTypes`
(AWS returns only metric alarms unless CompositeAlarm is asked for), applies just one of the filters, ignores
ChildrenOfAlarmName / ParentsOfAlarmName and MaxRecords, and never evaluates a composite's rule. Here a
composite's state is re-evaluated from its children whenever an alarm is created, changes state or is deleted,
so SetAlarmState on `API-HighLatency-P95` moves `Smart-Performance-Alert` the way CloudWatch would (its Lambda
actions run on the transition: ``alarm_actions``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue, ValidationError
from moto.cloudwatch.models import Alarm, CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult, EmptyResult

from .alarm_rule import RuleError, alarm_name, compile_rule

DEFAULT_MAX_RECORDS = 50
_EVALUATION_PASSES = 10
_COMPOSITE_EXTRAS = (
    "ActionsSuppressor",
    "ActionsSuppressorWaitPeriod",
    "ActionsSuppressorExtensionPeriod",
)


def _references(alarm: Alarm) -> list[str]:
    try:
        return [alarm_name(ref) for ref in compile_rule(alarm.rule or "")[1]]
    except RuleError:
        return []


def evaluate_composites(backend: CloudWatchBackend) -> None:
    """Bring every composite alarm's state in line with its rule (a few passes settle nested composites)."""
    for _ in range(_EVALUATION_PASSES):
        changed = False
        for alarm in list(backend.alarms.values()):
            if alarm.rule is None:
                continue
            try:
                predicate, _refs = compile_rule(alarm.rule)
            except RuleError:
                continue

            def check(state: str, ref: str) -> bool:
                child = backend.alarms.get(alarm_name(ref))
                return child is not None and child.state_value == state

            new_state = "ALARM" if predicate(check) else "OK"
            if new_state != alarm.state_value:
                reason = f"Composite alarm rule evaluated to {'TRUE' if new_state == 'ALARM' else 'FALSE'}"
                alarm.update_state(reason, "{}", new_state)
                alarm.state_transitioned_timestamp = alarm.state_updated_timestamp  # type: ignore[attr-defined]
                changed = True
        if not changed:
            return


def _composite_dict(alarm: Alarm) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmRule": alarm.rule,
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmActions": alarm.alarm_actions or [],
        "OKActions": alarm.ok_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateReasonData": alarm.state_reason_data,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
        "StateTransitionedTimestamp": getattr(alarm, "state_transitioned_timestamp", alarm.state_updated_timestamp),
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
    }
    extras: dict[str, Any] = getattr(alarm, "perfbot_extras", {})
    out.update({k: v for k, v in extras.items() if v is not None})
    return {k: v for k, v in out.items() if v is not None}


def put_composite_alarm(self: CloudWatchResponse) -> EmptyResult:
    params = self._get_params()
    rule = params.get("AlarmRule")
    try:
        compile_rule(rule or "")
    except RuleError as err:
        raise ValidationError(f"Invalid AlarmRule: {err}") from None
    alarm = self.cloudwatch_backend.put_metric_alarm(
        name=params["AlarmName"],
        namespace=None,  # type: ignore[arg-type]
        metric_name=None,  # type: ignore[arg-type]
        comparison_operator=None,  # type: ignore[arg-type]
        evaluation_periods=None,  # type: ignore[arg-type]
        period=None,  # type: ignore[arg-type]
        threshold=None,  # type: ignore[arg-type]
        statistic=None,  # type: ignore[arg-type]
        description=params.get("AlarmDescription"),  # type: ignore[arg-type]
        dimensions=[],
        alarm_actions=params.get("AlarmActions") or [],
        ok_actions=params.get("OKActions") or [],
        insufficient_data_actions=params.get("InsufficientDataActions") or [],
        actions_enabled=params.get("ActionsEnabled", True),
        rule=rule,
        tags=params.get("Tags") or [],
    )
    alarm.perfbot_extras = {k: params.get(k) for k in _COMPOSITE_EXTRAS}  # type: ignore[attr-defined]
    evaluate_composites(self.cloudwatch_backend)
    return EmptyResult()


def _select(backend: CloudWatchBackend, params: dict[str, Any]) -> list[Alarm]:
    alarms = sorted(backend.alarms.values(), key=lambda a: a.name)
    children, parents = params.get("ChildrenOfAlarmName"), params.get("ParentsOfAlarmName")
    if children or parents:
        extra = set(params) - {"ChildrenOfAlarmName", "ParentsOfAlarmName", "MaxRecords", "NextToken"}
        if extra or (children and parents):
            raise ValidationError(
                "If you specify ChildrenOfAlarmName or ParentsOfAlarmName, you cannot specify any other "
                "parameters in the request except for MaxRecords and NextToken."
            )
        if children:
            parent = backend.alarms.get(children)
            names = set(_references(parent)) if parent is not None and parent.rule else set()
            return [a for a in alarms if a.name in names]
        return [a for a in alarms if a.rule and parents in _references(a)]
    if params.get("AlarmNames") and params.get("AlarmNamePrefix"):
        raise ValidationError("The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.")
    types = params.get("AlarmTypes") or ["MetricAlarm"]
    keep: list[Callable[[Alarm], bool]] = [
        lambda a: ("CompositeAlarm" if a.rule is not None else "MetricAlarm") in types
    ]
    if params.get("AlarmNames"):
        keep.append(lambda a: a.name in params["AlarmNames"])
    if params.get("AlarmNamePrefix"):
        keep.append(lambda a: a.name.startswith(params["AlarmNamePrefix"]))
    if params.get("StateValue"):
        keep.append(lambda a: a.state_value == params["StateValue"])
    if params.get("ActionPrefix"):
        prefix = params["ActionPrefix"]
        keep.append(lambda a: any(str(x).startswith(prefix) for x in a.alarm_actions or []))
    return [a for a in alarms if all(k(a) for k in keep)]


def describe_alarms(self: CloudWatchResponse) -> ActionResult:
    params = self._get_params()
    selected = _select(self.cloudwatch_backend, params)
    limit = int(params.get("MaxRecords") or DEFAULT_MAX_RECORDS)
    if not 1 <= limit <= 100:
        raise InvalidParameterValue("The parameter MaxRecords must be between 1 and 100.")
    token = str(params.get("NextToken") or "0")
    if not token.isdigit():
        raise InvalidParameterValue("The service cannot find the NextToken you specified.")
    offset = int(token)
    page = selected[offset : offset + limit]
    result: dict[str, Any] = {
        "MetricAlarms": [a for a in page if a.rule is None],
        "CompositeAlarms": [_composite_dict(a) for a in page if a.rule is not None],
    }
    if offset + limit < len(selected):
        result["NextToken"] = str(offset + limit)
    return ActionResult(result)


def _with_evaluation(method: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(method, "_perfbot_wrapped", False):
        return method

    def wrapper(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        evaluate_composites(self)
        return result

    wrapper._perfbot_wrapped = True  # type: ignore[attr-defined]
    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def apply() -> None:
    """Install PutCompositeAlarm, the DescribeAlarms filters and composite evaluation (idempotent)."""
    CloudWatchResponse.put_composite_alarm = put_composite_alarm  # type: ignore[attr-defined]
    CloudWatchResponse.describe_alarms = describe_alarms  # type: ignore[method-assign]
    for name in ("set_alarm_state", "put_metric_alarm", "delete_alarms"):
        setattr(CloudWatchBackend, name, _with_evaluation(getattr(CloudWatchBackend, name)))
