"""Every statement that lets perfbot change something names the resource it may change: one of perfbot's own
(its tables, queue, log groups, itself) or one configured in perfbot.yml — never ``*``, never a wildcard id (the
REST API id is configured, so the stage perfbot may PATCH is that API's and no other API's)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.settings import Settings, load_settings
from infra import gen_resources
from tests.infra.test_template import ROOT, _as_list, _statements, template  # noqa: F401 - the session fixture

# Read-only actions (they change nothing); any other action of a perfbot policy is a mutating one.
READ_ONLY = re.compile(r":(Get|List|Describe|Query|Scan|BatchGet)[A-Za-z]*$|^apigateway:GET$|^kms:Decrypt$")
# Mutating actions IAM gives no resource-level permissions for ("*" is the only resource it accepts for them).
NO_RESOURCE_LEVEL = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "application-autoscaling:RegisterScalableTarget",
    # scalable-target ARNs carry a random id, not the function or alias: no way to name the configured alias
    "application-autoscaling:PutScheduledAction",
    "application-autoscaling:DeleteScheduledAction",
}
# A trailing qualifier of a named resource: a function's versions/aliases, a log group's streams, a table's indexes.
# An object prefix of perfbot's own bucket (the audit anchors under audit/) names that bucket's objects, too.
NAMED_QUALIFIER = re.compile(r"(:\*|/index/\*|^\$\{AuditAnchorBucket\.Arn\}/audit/\*)$")


def _policy_documents(template: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: F811
    resources = template["Resources"].values()
    return [r["Properties"]["PolicyDocument"] for r in resources if r["Type"] == "AWS::IAM::ManagedPolicy"] + [
        p["PolicyDocument"]
        for r in resources
        if r["Type"] == "AWS::IAM::Role"
        for p in r["Properties"].get("Policies", [])
    ]


def _own(resource: str) -> bool:
    """perfbot's own resources: its tables and queue (Ref / GetAtt), and names under perfbot-<stage>-."""
    own_refs = (
        "${StateTable.Arn}",
        "${IdempotencyTable.Arn}",
        "${AuditTable.Arn}",
        "${FailedEventsQueue.Arn}",
        "${AuditAnchorBucket.Arn}",
    )
    return resource.startswith(own_refs) or re.search(r"[:/]perfbot-dev-[a-z]+(:\*)?$", resource) is not None


def _configured(settings: Settings) -> set[str]:
    return {
        r["Fn::Sub"] if isinstance(r, dict) else r
        for statement in gen_resources.configured_statements(settings)
        for r in _as_list(statement["Resource"])
    }


def _mutating(template: dict[str, Any]) -> list[tuple[str, str, str]]:  # noqa: F811
    return [
        (str(s.get("Sid")), action, resource)
        for document in _policy_documents(template)
        for s in _statements(document)
        if s["Effect"] == "Allow"
        for action in s["Action"]
        if not READ_ONLY.search(action)
        for resource in s["Resource"]
    ]


def test_every_mutating_statement_names_an_own_or_configured_resource(template: dict[str, Any]) -> None:  # noqa: F811
    configured = _configured(load_settings({"PERFBOT_CONFIG": str(ROOT / "perfbot.yml")}))
    mutating = _mutating(template)
    assert {a for _, a, _ in mutating} >= {"apigateway:PATCH", "lambda:UpdateFunctionConfiguration", "sqs:SendMessage"}
    for sid, action, resource in mutating:
        if action in NO_RESOURCE_LEVEL:
            assert resource == "*", (sid, action, resource)
            continue
        assert "*" not in NAMED_QUALIFIER.sub("", resource), f"{sid}: {action} on a wildcard resource {resource}"
        assert _own(resource) or resource in configured, f"{sid}: {action} on {resource}, neither own nor configured"


def test_patch_names_the_configured_api_id_and_stage(template: dict[str, Any]) -> None:  # noqa: F811
    patch = [r for _, a, r in _mutating(template) if a == "apigateway:PATCH"]
    assert patch == ["arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/m0n1t0rapi/stages/dev"]


@pytest.mark.parametrize("api", [{"name": "orders", "stage": "prod"}, {"name": "orders", "stage": "prod", "id": "x"}])
def test_an_api_without_an_id_is_only_read_and_one_with_an_id_is_changed_on_its_stage_only(
    tmp_path: Any, api: dict[str, str]
) -> None:
    config = tmp_path / "perfbot.yml"
    config.write_text(f"services:\n  - name: orders\n    api: {api}\n", encoding="utf-8")
    statements = gen_resources.configured_statements(load_settings({"PERFBOT_CONFIG": str(config)}))
    patch = [s for s in statements if "apigateway:PATCH" in s["Action"]]
    if "id" not in api:
        assert patch == [], "no id configured: no API may be changed"
        (found,) = [s for s in statements if s["Sid"] == "FindRestApisByName"]
        assert found["Action"] == ["apigateway:GET"]
    else:
        (statement,) = patch
        assert statement["Resource"] == [
            {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/x/stages/prod"}
        ]
        assert not [s for s in statements if s["Sid"] == "FindRestApisByName"], "nothing is looked up by name"
