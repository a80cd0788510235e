"""Applies perfbot's extensions to moto, once per process (applying again is harmless): one module (or package) per
service, each filling a gap between moto and the AWS behaviour perfbot relies on."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_applied = False


def apply() -> None:
    global _applied  # noqa: PLW0603 - a process-wide "patched" flag is the point
    with _lock:
        if _applied:
            return
        from . import autoscaling, cloudwatch, contributor_insights, dynamodb, iam, lambda_, s3

        cloudwatch.apply()  # percentiles, metric math, composite alarms, alarm actions, widget images
        lambda_.apply()  # provisioned concurrency; perfbot's own functions invocable (lazy listeners)
        dynamodb.apply()  # conditional writes atomic, as in DynamoDB
        contributor_insights.apply()  # DynamoDB's Contributor Insights and CloudWatch's GetInsightRuleReport
        iam.apply()  # every request authorized as its function's role
        autoscaling.apply()  # scheduled actions need a registered target; Lambda targets need the alias
        s3.apply()  # Object Lock: a COMPLIANCE retention cannot be shortened, a locked bucket stays versioned
        _applied = True
