"""Alarm actions that invoke a Lambda function, as CloudWatch executes them (moto executes no alarm actions).

When an alarm's state *changes* — SetAlarmState, or a composite's rule re-evaluated — and actions are enabled, each
ARN in the new state's actions (AlarmActions, OKActions, InsufficientDataActions) that names one of the functions the
devstack registered (:mod:`devstack.lambdas`: perfbot's) is invoked asynchronously, as CloudWatch does, with the
documented "Lambda alarm action" event: ``source`` aws.cloudwatch, ``alarmArn``, ``accountId``, ``time``, ``region``
and ``alarmData`` (state, previousState, configuration). A state set again to the value it has notifies nobody.
Other actions (SNS topics, Auto Scaling, EC2) stay what they are in moto: recorded, never executed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import Alarm

from devstack.alarm_events import alarm_data, cw_time, trigger

log = logging.getLogger(__name__)

_ACTIONS = {"ALARM": "alarm_actions", "OK": "ok_actions", "INSUFFICIENT_DATA": "insufficient_data_actions"}


def _at(stamp: datetime) -> datetime:
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp  # moto keeps naive UTC times


def _definition(alarm: Alarm) -> dict[str, Any]:
    """The alarm in DescribeAlarms' shape, as far as the event's ``configuration`` needs it."""
    out: dict[str, Any] = {
        "AlarmName": alarm.name,
        "Namespace": alarm.namespace,
        "MetricName": alarm.metric_name,
        "Dimensions": [{"Name": d.name, "Value": d.value} for d in alarm.dimensions],
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "ComparisonOperator": alarm.comparison_operator,
        "Threshold": alarm.threshold,
        "Statistic": alarm.statistic,
        "ExtendedStatistic": alarm.extended_statistic,
    }
    if alarm.metric_data_queries:
        out["Metrics"] = [
            {
                "Id": q.id,
                "ReturnData": q.return_data in (True, "true", "True", None),
                **({"Expression": q.expression} if q.expression else {}),
                **({"Label": q.label} if q.label else {}),
                **(
                    {
                        "MetricStat": {
                            "Metric": {
                                "Namespace": q.metric_stat.metric.namespace,
                                "MetricName": q.metric_stat.metric.metric_name,
                                "Dimensions": [
                                    {
                                        "Name": d["Name"] if isinstance(d, dict) else d.name,
                                        "Value": d["Value"] if isinstance(d, dict) else d.value,
                                    }
                                    for d in q.metric_stat.metric.dimensions or []
                                ],
                            },
                            "Period": int(q.metric_stat.period),
                            "Stat": q.metric_stat.stat,
                        }
                    }
                    if q.metric_stat
                    else {}
                ),
            }
            for q in alarm.metric_data_queries
        ]
    return {k: v for k, v in out.items() if v is not None}


def alarm_action_event(alarm: Alarm, previous: tuple[str, str, str | None, datetime]) -> dict[str, Any]:
    """The event CloudWatch sends a Lambda alarm action for ``alarm``'s latest transition; ``previous`` is the state
    it left (value, reason, reason data, timestamp)."""
    at = _at(alarm.state_updated_timestamp)
    message: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": cw_time(at),
        "OldStateValue": previous[0],
    }
    if alarm.rule is not None:
        message["AlarmRule"] = alarm.rule
    else:
        message["Trigger"] = trigger(_definition(alarm))
    data = alarm_data(message)
    for state, reason_data in ((data["state"], alarm.state_reason_data), (data["previousState"], previous[2])):
        if reason_data and reason_data != "{}":
            state["reasonData"] = reason_data
    data["previousState"] |= {"reason": previous[1], "timestamp": cw_time(_at(previous[3]))}
    extras: dict[str, Any] = getattr(alarm, "perfbot_extras", {})
    if extras.get("ActionsSuppressor"):
        data["configuration"]["actionsSuppressor"] = extras["ActionsSuppressor"]
    region, account = alarm.alarm_arn.split(":")[3:5]
    return {
        "source": "aws.cloudwatch",
        "alarmArn": alarm.alarm_arn,
        "accountId": account,
        "time": cw_time(at),
        "region": region,
        "alarmData": data,
    }


def _lambda_targets(alarm: Alarm) -> list[str]:
    actions = getattr(alarm, _ACTIONS.get(alarm.state_value, ""), None) or []
    region, account = alarm.alarm_arn.split(":")[3:5]
    own = f"arn:aws:lambda:{region}:{account}:function:"
    return [a for a in actions if str(a).startswith(own)]


def execute(alarm: Alarm, previous: tuple[str, str, str | None, datetime]) -> None:
    """Invoke the alarm's Lambda actions for the state it just entered (asynchronously, as CloudWatch does)."""
    from devstack.aws.lambda_ import local_functions

    if not alarm.actions_enabled or alarm.state_value == previous[0]:
        return
    for arn in _lambda_targets(alarm):
        runner = local_functions.runner(arn)
        if runner is None:  # a function the devstack does not run: CloudWatch would log a failed action
            log.warning("alarm_action_function_unknown", extra={"alarm": alarm.name, "action": arn})
            continue
        event = json.loads(json.dumps(alarm_action_event(alarm, previous)))
        local_functions.invoke_async(runner, event)


def _with_actions(update_state: Callable[..., None]) -> Callable[..., None]:
    if getattr(update_state, "_perfbot_actions", False):
        return update_state

    def wrapper(self: Alarm, reason: str, reason_data: str, state_value: str) -> None:
        previous = (self.state_value, self.state_reason, self.state_reason_data, self.state_updated_timestamp)
        update_state(self, reason, reason_data, state_value)
        execute(self, previous)

    wrapper._perfbot_actions = True  # type: ignore[attr-defined]
    return wrapper


def apply() -> None:
    """Every state update of every alarm (SetAlarmState, composite evaluation) goes through ``Alarm.update_state``."""
    Alarm.update_state = _with_actions(Alarm.update_state)  # type: ignore[method-assign]
