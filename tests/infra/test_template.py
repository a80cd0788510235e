"""The deployment template that osls packages from serverless.yml obeys perfbot's least-privilege and safety rules.

osls runs once per test session (a few seconds), offline and without AWS credentials. ``make infra-check`` passes
the template it already packaged in ``PERFBOT_INFRA_TEMPLATE`` so it is not packaged twice.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from bot.settings import load_settings
from infra import gen_policies, gen_resources

ROOT = Path(__file__).resolve().parents[2]
OSLS = ROOT / "node_modules" / ".bin" / "osls"
STAGE = "dev"

# The only actions that may have Resource "*": they have no resource-level permissions in IAM.
STAR_RESOURCE_ACTIONS = {
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "cloudwatch:GetMetricWidgetImage",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:PutScheduledAction",
    "application-autoscaling:DescribeScheduledActions",
    "application-autoscaling:DeleteScheduledAction",
}
CHANGE_ACTIONS = {
    "lambda:UpdateFunctionConfiguration",
    "lambda:PutProvisionedConcurrencyConfig",
    "lambda:DeleteProvisionedConcurrencyConfig",
    "apigateway:PATCH",
    "dynamodb:UpdateTable",
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:PutScheduledAction",
    "application-autoscaling:DeleteScheduledAction",
}
AUDIT_FORBIDDEN = {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


# ----------------------------------------------------------------------------------------------- packaging


def _ensure_osls() -> None:
    if not OSLS.exists():
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=ROOT,
            check=True,
            timeout=600,
        )


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    given = os.environ.get("PERFBOT_INFRA_TEMPLATE")
    if given:
        return json.loads(Path(given).read_text(encoding="utf-8"))
    # The deploy check is part of the suite, not optional: without Node.js the IAM rules would go unchecked.
    missing = [tool for tool in ("node", "npm") if not shutil.which(tool)]
    assert not missing, f"{' and '.join(missing)} not found: install Node.js 20+ with npm to package serverless.yml"
    # osls stages its output in ./.serverless, so concurrent runs clash: pytest-xdist workers package once, under a
    # lock, into the temporary directory they share.
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out = shared / "osls"
    with (shared / "osls.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        packaged = out / "package" / "cloudformation-template-update-stack.json"
        if not packaged.exists():
            _ensure_osls()
            out.mkdir(exist_ok=True)
            gen_policies.package_template(out)  # offline, without AWS credentials
    return json.loads(packaged.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------------- helpers


def _text(value: Any) -> str:
    """An IAM resource or condition value as text: Fn::Sub strings as written, Ref / GetAtt as ${Name[.Attr]}."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            return sub if isinstance(sub, str) else sub[0]
        if "Fn::GetAtt" in value:
            return "${" + ".".join(value["Fn::GetAtt"]) + "}"
        if "Ref" in value:
            return "${" + value["Ref"] + "}"
    raise AssertionError(f"unexpected intrinsic in a policy: {value!r}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**s, "Action": _as_list(s["Action"]), "Resource": [_text(r) for r in _as_list(s["Resource"])]}
        for s in _as_list(document["Statement"])
    ]


def _function_role(template: dict[str, Any], function: str) -> str:
    role = template["Resources"][f"{function.capitalize()}LambdaFunction"]["Properties"]["Role"]
    assert "Fn::GetAtt" in role, f"{function} must use its own role from this template, got {role}"
    return role["Fn::GetAtt"][0]


def _role_statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement that applies to ``role``: its inline policies and the managed policies attached to it."""
    resources = template["Resources"]
    statements = []
    for policy in resources[role]["Properties"].get("Policies", []):
        statements += _statements(policy["PolicyDocument"])
    for res in resources.values():
        if res["Type"] in {"AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"} and {"Ref": role} in res["Properties"].get(
            "Roles", []
        ):
            statements += _statements(res["Properties"]["PolicyDocument"])
    assert not resources[role]["Properties"].get("ManagedPolicyArns"), "AWS managed policies are too broad"
    return statements


def _allowed(statements: list[dict[str, Any]], action: str) -> list[str]:
    return sorted(r for s in statements if s["Effect"] == "Allow" and action in s["Action"] for r in s["Resource"])


@pytest.fixture(scope="session")
def roles(template: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {fn: _role_statements(template, _function_role(template, fn)) for fn in ("slack", "alarms", "schedule")}


def _arn(service: str, rest: str, *, account: bool = True) -> str:
    return f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:{'${AWS::AccountId}' if account else ''}:{rest}"


# ----------------------------------------------------------------------------------------------- IAM


def test_every_function_has_its_own_role(template: dict[str, Any]) -> None:
    names = {fn: _function_role(template, fn) for fn in ("slack", "alarms", "schedule")}
    assert len(set(names.values())) == 3, names
    assert "IamRoleLambdaExecution" not in template["Resources"], "osls's shared role must not exist"


def test_no_wildcard_action_and_star_resource_only_where_iam_has_no_resource_level(
    template: dict[str, Any],
) -> None:
    documents = [
        res["Properties"]["PolicyDocument"]
        for res in template["Resources"].values()
        if res["Type"] in {"AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"}
    ] + [
        p["PolicyDocument"]
        for res in template["Resources"].values()
        if res["Type"] == "AWS::IAM::Role"
        for p in res["Properties"].get("Policies", [])
    ]
    assert documents
    for statement in (s for d in documents for s in _statements(d)):
        assert all("*" not in a for a in statement["Action"]), statement
        if "*" in statement["Resource"]:
            assert statement["Resource"] == ["*"], statement
            assert set(statement["Action"]) <= STAR_RESOURCE_ACTIONS, statement


def test_only_slack_and_schedule_change_and_only_the_configured_resources(roles: dict[str, Any]) -> None:
    settings = load_settings({"PERFBOT_CONFIG": str(ROOT / "perfbot.yml")})
    functions = sorted({f.name for s in settings.services for f in s.lambda_functions})
    tables = sorted({t.name for s in settings.services for t in s.dynamodb_tables})
    stages = sorted({(s.api.id, s.api.stage) for s in settings.services if s.api and s.api.id})
    assert functions and tables and stages, "the shipped perfbot.yml configures a function, a table and an API id"

    for fn in ("slack", "schedule"):
        statements = roles[fn]
        expected_functions = sorted(
            arn
            for name in functions
            for arn in (_arn("lambda", f"function:{name}"), _arn("lambda", f"function:{name}:*"))
        )
        for action in ("lambda:UpdateFunctionConfiguration", "lambda:PutProvisionedConcurrencyConfig"):
            assert _allowed(statements, action) == expected_functions, (fn, action)
        assert _allowed(statements, "dynamodb:UpdateTable") == sorted(_arn("dynamodb", f"table/{t}") for t in tables)
        assert _allowed(statements, "apigateway:PATCH") == sorted(
            _arn("apigateway", f"/restapis/{api_id}/stages/{stage}", account=False) for api_id, stage in stages
        )
        model = settings.analysis.bedrock_model_id
        assert _allowed(statements, "bedrock:InvokeModel") == [
            _arn("bedrock", f"foundation-model/{model}", account=False)
        ]
        assert _allowed(statements, "dynamodb:Query"), "reads ApplicationMetrics and its own tables"

    for action in CHANGE_ACTIONS | {"bedrock:InvokeModel"}:
        assert not _allowed(roles["alarms"], action), f"alarms must not be able to {action}"


def test_configured_statements_come_from_the_checked_in_generated_file() -> None:
    current = (ROOT / "infra" / "generated" / "config-resources.yml").read_text(encoding="utf-8")
    assert current == gen_resources.render(), "stale: run `python infra/gen_resources.py` (or make infra-check)"


def test_function_policies_for_the_devstack_come_from_the_packaged_template(template: dict[str, Any]) -> None:
    """The embedded AWS enforces infra/generated/function-policies.json: it must be what serverless.yml deploys."""
    current = (ROOT / "infra" / "generated" / "function-policies.json").read_text(encoding="utf-8")
    assert current == gen_policies.render(template), "stale: run `python infra/gen_policies.py` (or make infra-check)"


def test_function_policies_hold_every_statement_of_each_role(
    template: dict[str, Any], roles: dict[str, list[dict[str, Any]]]
) -> None:
    generated = gen_policies.function_policies(template)["functions"]
    assert sorted(generated) == ["alarms", "schedule", "slack"]
    for fn, statements in roles.items():
        policies = generated[fn]["policies"]
        assert generated[fn]["function_name"] == f"perfbot-dev-{fn}"
        flat = [s for p in policies for s in _as_list(p["document"]["Statement"])]
        assert [s.get("Sid") for s in flat] == [s.get("Sid") for s in statements], fn
        assert any(s["Effect"] == "Deny" for s in flat), f"{fn}: the Deny statements are enforced too"
        text = json.dumps(policies)
        assert "Fn::" not in text and '"Ref"' not in text and "${" not in text, f"{fn}: unresolved intrinsic"


def test_audit_table_is_append_only(template: dict[str, Any], roles: dict[str, Any]) -> None:
    audit = ("${AuditTable.Arn}", "${AuditTable.Arn}/index/*")
    for fn, statements in roles.items():
        for statement in statements:
            if statement["Effect"] == "Allow" and any(r in audit for r in statement["Resource"]):
                assert not AUDIT_FORBIDDEN & set(statement["Action"]), (fn, statement)
                assert set(statement["Action"]) <= {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"}
        denies = [s for s in statements if s["Effect"] == "Deny" and set(audit) <= set(s["Resource"])]
        assert any(set(s["Action"]) >= AUDIT_FORBIDDEN for s in denies), f"{fn} lacks the explicit audit Deny"
    for fn in ("slack", "schedule"):
        assert "${AuditTable.Arn}" in _allowed(roles[fn], "dynamodb:PutItem")
    assert "${AuditTable.Arn}" not in _allowed(roles["alarms"], "dynamodb:PutItem")


def test_state_and_idempotency_tables_are_read_write(roles: dict[str, Any]) -> None:
    for statements in roles.values():
        for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"):
            allowed = _allowed(statements, f"dynamodb:{action}")
            assert {"${StateTable.Arn}", "${IdempotencyTable.Arn}"} <= set(allowed), action
        assert not _allowed(statements, "dynamodb:Scan")
        # the alarm path's one-round-trip state read; on the state table's items only
        assert _allowed(statements, "dynamodb:BatchGetItem") == ["${StateTable.Arn}"]


def test_only_the_slack_function_invokes_and_only_itself(roles: dict[str, Any]) -> None:
    assert _allowed(roles["slack"], "lambda:InvokeFunction") == [_arn("lambda", f"function:perfbot-{STAGE}-slack")]
    assert not _allowed(roles["alarms"], "lambda:InvokeFunction")
    assert not _allowed(roles["schedule"], "lambda:InvokeFunction")


def test_ssm_access_is_exactly_the_two_slack_parameters(template: dict[str, Any], roles: dict[str, Any]) -> None:
    parameters = sorted(
        _arn("ssm", f"parameter/perfbot/{STAGE}/{name}") for name in ("slack-bot-token", "slack-signing-secret")
    )
    for statements in roles.values():
        ssm = [s for s in statements if any(a.startswith("ssm:") for a in s["Action"])]
        assert [s["Action"] for s in ssm] == [["ssm:GetParameter"]]
        assert sorted(ssm[0]["Resource"]) == parameters
        (kms,) = [s for s in statements if any(a.startswith("kms:") for a in s["Action"])]
        assert kms["Action"] == ["kms:Decrypt"]
        condition = kms["Condition"]["StringEquals"]
        assert _text(condition["kms:ViaService"]) == "ssm.${AWS::Region}.amazonaws.com"
        assert sorted(_text(v) for v in condition["kms:EncryptionContext:PARAMETER_ARN"]) == parameters
    env = template["Resources"]["SlackLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SLACK_BOT_TOKEN_PARAMETER"] == f"/perfbot/{STAGE}/slack-bot-token"
    assert env["SLACK_SIGNING_SECRET_PARAMETER"] == f"/perfbot/{STAGE}/slack-signing-secret"
    assert "SLACK_BOT_TOKEN" not in env and "SLACK_SIGNING_SECRET" not in env, "secrets never go in the template"


def test_logs_only_to_own_log_group(roles: dict[str, Any]) -> None:
    for fn, statements in roles.items():
        assert _allowed(statements, "logs:PutLogEvents") == [
            _arn("logs", f"log-group:/aws/lambda/perfbot-{STAGE}-{fn}:*")
        ]


# ----------------------------------------------------------------------------------------------- resources


def _resource(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def test_tables_have_pitr_sse_on_demand_and_ttl_where_it_applies(template: dict[str, Any]) -> None:
    expected = {
        "StateTable": (f"perfbot-{STAGE}-state", "expires_at"),
        "AuditTable": (f"perfbot-{STAGE}-audit", None),
        "IdempotencyTable": (f"perfbot-{STAGE}-idempotency", "expiration"),
    }
    for logical_id, (name, ttl) in expected.items():
        table = _resource(template, logical_id)
        assert table["TableName"] == name
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["SSESpecification"] == {"SSEEnabled": True}
        if ttl:
            assert table["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in table
    state_gsi = _resource(template, "StateTable")["GlobalSecondaryIndexes"]
    assert [(g["IndexName"], [k["AttributeName"] for k in g["KeySchema"]]) for g in state_gsi] == [
        ("gsi1", ["gsi1pk", "gsi1sk"])
    ]
    audit_gsi = _resource(template, "AuditTable")["GlobalSecondaryIndexes"]
    assert [(g["IndexName"], [k["AttributeName"] for k in g["KeySchema"]]) for g in audit_gsi] == [
        ("by_change", ["change_id", "sk"])
    ]
    assert template["Resources"]["AuditTable"]["DeletionPolicy"] == "Retain"


def test_slack_async_settings_fit_the_signature_window(template: dict[str, Any]) -> None:
    config = _resource(template, "SlackLambdaEvConf")
    assert config["MaximumEventAgeInSeconds"] < 300
    assert config["MaximumRetryAttempts"] <= 1


def test_alarms_function_has_an_on_failure_queue(template: dict[str, Any], roles: dict[str, Any]) -> None:
    destination = _resource(template, "AlarmsLambdaEvConf")["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}
    assert template["Resources"]["FailedEventsQueue"]["Type"] == "AWS::SQS::Queue"
    assert _allowed(roles["alarms"], "sqs:SendMessage") == ["${FailedEventsQueue.Arn}"]


def test_functions_runtime_tracing_timeouts_and_memory(template: dict[str, Any]) -> None:
    expected = {"Slack": (30, 512), "Alarms": (60, 256), "Schedule": (300, 512)}
    for name, (timeout, memory) in expected.items():
        fn = _resource(template, f"{name}LambdaFunction")
        assert fn["Runtime"] == "python3.12"
        assert fn["Architectures"] == ["arm64"]
        assert fn["TracingConfig"] == {"Mode": "Active"}
        assert (fn["Timeout"], fn["MemorySize"]) == (timeout, memory)
        assert fn["Handler"] == f"handlers/{name.lower()}.handler"
        assert fn["Environment"]["Variables"]["PERFBOT_CONFIG"] == "perfbot.yml"
    for name in ("Slack", "Alarms", "Schedule"):
        assert _resource(template, f"{name}LogGroup")["RetentionInDays"] == 30


def test_events_reach_the_right_functions(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    route = next(r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Route")
    assert route["Properties"]["RouteKey"] == "POST /slack/events"

    inputs = sorted(
        json.loads(r["Properties"]["Targets"][0]["Input"])["task"]
        for r in resources.values()
        if r["Type"] == "AWS::Events::Rule" and "ScheduleExpression" in r["Properties"]
    )
    from bot.schedule import load_tasks

    # every task perfbot registers runs on a schedule, and every schedule names a real task
    assert inputs == sorted(load_tasks())

    (alarm_rule,) = [
        r for r in resources.values() if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]
    ]
    assert alarm_rule["Properties"]["EventPattern"]["detail-type"] == ["CloudWatch Alarm State Change"]
    subscription = next(r for r in resources.values() if r["Type"] == "AWS::SNS::Subscription")
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlertsTopic"}


def test_only_cloudwatch_alarms_of_this_account_publish_to_the_topic(template: dict[str, Any]) -> None:
    (statement,) = _resource(template, "AlertsTopicPolicy")["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_only_cloudwatch_alarms_of_this_account_may_invoke_the_alarms_function(template: dict[str, Any]) -> None:
    assert template["Resources"]["AlarmsInvokedByCloudWatchAlarms"]["Type"] == "AWS::Lambda::Permission"
    props = _resource(template, "AlarmsInvokedByCloudWatchAlarms")
    assert props["FunctionName"] == {"Fn::GetAtt": ["AlarmsLambdaFunction", "Arn"]}
    assert props["Principal"] == "lambda.alarms.cloudwatch.amazonaws.com" and props["Action"] == "lambda:InvokeFunction"
    assert props["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert props["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"
    }


# ----------------------------------------------------------------------------------------------- monitoring stack


def test_monitoring_stack_has_the_guides_alarms_and_notifies_the_topic() -> None:
    stack, matches = decode(str(ROOT / "infra" / "monitoring-alarms.yml"))
    assert not matches and stack is not None
    resources = stack["Resources"]
    alarms = {r["Properties"]["AlarmName"]: r["Properties"] for r in resources.values() if "Alarm" in r["Type"]}
    assert set(alarms) == {
        "API-HighLatency-P95",
        "Lambda-HighDuration",
        "DynamoDB-HighLatency",
        "System-Maintenance-Mode",
        "Smart-Performance-Alert",
        "Predictive-Scaling-Trigger",
    }
    for props in alarms.values():  # perfbot's topic or its alarms function (the direct alarm action)
        assert props["AlarmActions"] == props["OKActions"] == [{"Ref": "AlarmActionArn"}]
    assert alarms["API-HighLatency-P95"]["ExtendedStatistic"] == "p95"
    assert alarms["API-HighLatency-P95"]["Threshold"] == 500
    rule = " ".join(alarms["Smart-Performance-Alert"]["AlarmRule"]["Fn::Sub"].split())
    assert rule == (
        '(ALARM("${ApiHighLatencyAlarm}") OR ALARM("${LambdaHighDurationAlarm}")'
        ' OR ALARM("${DynamoDbHighLatencyAlarm}"))'
        ' AND NOT ALARM("${MaintenanceModeAlarm}")'
    )
    assert resources["PerformanceDashboard"]["Properties"]["DashboardName"] == "Performance-Optimization-Dashboard"
