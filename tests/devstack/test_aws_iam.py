"""IAM in the embedded AWS: each function's principal carries exactly its packaged role, requests are authorized as IAM
does (actions and resource ARNs per service, explicit Deny wins, conditions), denials answer AWS's error and are
logged, the operator is unaffected, and a reset brings the principals back."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest

from bot.analysis.models import Values
from bot.aws.clients import client
from bot.changes.kinds import handler_for
from bot.settings import get_settings
from devstack import lambdas
from devstack.aws.iam import actions as iam_actions
from devstack.aws.iam import policy as iam_policy
from devstack.aws.iam.actions import Call, Needed, needed
from devstack.aws.iam.authz import Principals, message
from devstack.aws.server import EmbeddedAws, start_aws
from tests.support import monitored

ACCOUNT, REGION = "123456789012", "us-east-1"
STATE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/perfbot-dev-state"
AUDIT = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/perfbot-dev-audit"


# ----------------------------------------------------------------------------------------------- evaluation


def policy(*statements: dict[str, Any]) -> iam_policy.PolicySet:
    return iam_policy.PolicySet(iam_policy.compile_document({"Version": "2012-10-17", "Statement": list(statements)}))


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_an_allow_must_match_action_and_resource() -> None:
    p = policy(allow(["dynamodb:GetItem", "dynamodb:Query"], [STATE, f"{STATE}/index/*"]))
    assert p.decide("dynamodb:GetItem", STATE, {}).allowed
    assert p.decide("DynamoDB:getitem", STATE, {}).allowed  # actions match case-insensitively
    assert p.decide("dynamodb:Query", f"{STATE}/index/gsi1", {}).allowed
    assert not p.decide("dynamodb:PutItem", STATE, {}).allowed
    assert not p.decide("dynamodb:GetItem", AUDIT, {}).allowed
    assert not p.decide("dynamodb:GetItem", STATE.upper(), {}).allowed  # resources case-sensitively
    assert p.decide("dynamodb:GetItem", AUDIT, {}) == iam_policy.IMPLICIT_DENY


def test_wildcards_star_and_question_mark() -> None:
    p = policy(allow("lambda:Get*", "arn:aws:lambda:*:*:function:monitoring-api-de?"))
    assert p.decide(
        "lambda:GetFunctionConfiguration", "arn:aws:lambda:us-east-1:1:function:monitoring-api-dev", {}
    ).allowed
    assert not p.decide("lambda:GetAlias", "arn:aws:lambda:us-east-1:1:function:monitoring-api-dev:live", {}).allowed
    assert not p.decide(
        "lambda:UpdateFunctionConfiguration", "arn:aws:lambda:x:1:function:monitoring-api-dev", {}
    ).allowed


def test_an_explicit_deny_wins_over_any_allow() -> None:
    p = policy(
        allow("dynamodb:*", "*"),
        deny(["dynamodb:UpdateItem", "dynamodb:DeleteItem"], [AUDIT, f"{AUDIT}/index/*"], Sid="AuditIsAppendOnly"),
    )
    decision = p.decide("dynamodb:UpdateItem", AUDIT, {})
    assert (decision.allowed, decision.explicit_deny, decision.statement) == (False, True, "AuditIsAppendOnly")
    assert p.decide("dynamodb:PutItem", AUDIT, {}).allowed
    assert p.decide("dynamodb:UpdateItem", STATE, {}).allowed


def test_not_action_and_not_resource() -> None:
    p = policy(
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:*", "NotResource": [STATE]},
    )
    assert p.decide("dynamodb:GetItem", STATE, {}).allowed
    assert p.decide("dynamodb:GetItem", AUDIT, {}).explicit_deny
    assert not p.decide("iam:CreateUser", "*", {}).allowed
    assert p.decide("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", {}).allowed


def test_conditions_on_keys_the_request_carries() -> None:
    p = policy(
        allow("cloudwatch:PutMetricData", "*", Condition={"StringEquals": {"cloudwatch:namespace": "Perfbot"}}),
        allow("dynamodb:GetItem", "*", Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/perfbot/*"}}),
        allow("sqs:SendMessage", "*", Condition={"ForAnyValue:StringEquals": {"aws:CalledVia": ["a", "b"]}}),
    )
    assert p.decide("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Perfbot"}, "cloudwatch").allowed
    assert not p.decide("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "perfbot"}, "cloudwatch").allowed
    role = {"aws:principalarn": f"arn:aws:iam::{ACCOUNT}:role/perfbot/perfbot-dev-slack"}
    assert p.decide("dynamodb:GetItem", STATE, role, "dynamodb").allowed
    user = {"aws:principalarn": f"arn:aws:iam::{ACCOUNT}:user/perfbot/perfbot-operator"}
    assert not p.decide("dynamodb:GetItem", STATE, user, "dynamodb").allowed
    assert p.decide("sqs:SendMessage", "q", {"aws:calledvia": ("c", "b")}, "sqs").allowed
    assert not p.decide("sqs:SendMessage", "q", {"aws:calledvia": ("c",)}, "sqs").allowed


@pytest.mark.parametrize(
    ("condition", "context", "granted"),
    [
        ({"Bool": {"aws:ViaAWSService": "false"}}, {"aws:viaawsservice": "false"}, True),
        ({"NumericLessThan": {"aws:EpochTime": "9999999999"}}, {"aws:epochtime": "1796400000"}, True),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
            {"aws:currenttime": "2026-12-04T10:00:00Z"},
            False,
        ),
        (
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
            {"aws:principalarn": "arn:aws:iam::1:role/p/r"},
            True,
        ),
        ({"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}, {"aws:requestedregion": "us-east-1"}, True),
        # a key the embedded AWS knows, absent from this request: IAM's rules for a missing key
        ({"StringEquals": {"aws:username": "alice"}}, {}, False),
        ({"StringNotEquals": {"aws:username": "alice"}}, {}, True),
        ({"StringEqualsIfExists": {"aws:username": "alice"}}, {}, True),
        ({"Null": {"aws:username": "true"}}, {}, True),
        ({"ForAllValues:StringEquals": {"aws:CalledVia": ["a"]}}, {}, True),
        # a key it cannot know (aws:SourceIp, dynamodb:LeadingKeys): the condition never holds, whatever the operator
        ({"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}, {}, False),  # another service's key
        ({"StringNotEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}, {}, True),
        ({"StringEquals": {"aws:SourceIp": "10.0.0.1"}}, {}, False),
        ({"StringNotEquals": {"aws:SourceIp": "10.0.0.1"}}, {}, False),
        ({"StringEquals": {"dynamodb:LeadingKeys": "x"}}, {}, False),
    ],
)
def test_condition_operators(condition: dict[str, Any], context: dict[str, Any], granted: bool) -> None:
    service = "dynamodb"
    p = policy(allow("dynamodb:GetItem", "*", Condition=condition))
    assert p.decide("dynamodb:GetItem", STATE, context, service).allowed is granted


def test_an_unsatisfiable_condition_grants_nothing_and_denies_nothing() -> None:
    unknowable = {"StringEquals": {"aws:SourceVpce": "vpce-1"}}
    assert (
        not policy(allow("dynamodb:GetItem", "*", Condition=unknowable)).decide("dynamodb:GetItem", STATE, {}).allowed
    )
    p = policy(
        allow("dynamodb:*", "*"),
        deny("dynamodb:GetItem", "*", Condition={"StringNotEquals": unknowable["StringEquals"]}),
    )
    assert p.decide("dynamodb:GetItem", STATE, {}, "dynamodb").allowed


def test_everything_allowed_only_without_any_deny_or_condition() -> None:
    assert policy(allow("*", "*")).allows_everything
    assert not policy(allow("*", "*"), deny("iam:*", "*")).allows_everything
    assert not policy(allow("*", "*", Condition={"Bool": {"aws:ViaAWSService": "false"}})).allows_everything


def test_the_denial_message_is_aws_s() -> None:
    principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/perfbot-dev-alarms/perfbot-dev-alarms"
    assert message(principal, "dynamodb:UpdateItem", AUDIT, explicit=True) == (
        f"User: {principal} is not authorized to perform: dynamodb:UpdateItem on resource: {AUDIT} "
        "with an explicit deny in an identity-based policy"
    )
    assert message(principal, "cloudwatch:PutMetricData", "*", explicit=False) == (
        f"User: {principal} is not authorized to perform: cloudwatch:PutMetricData "
        "because no identity-based policy allows the cloudwatch:PutMetricData action"
    )


# ----------------------------------------------------------------------------------------------- actions and ARNs


def call(service: str, operation: str, params: dict[str, Any] | None = None, **kw: Any) -> list[Needed]:
    return needed(Call(service=service, operation=operation, region=REGION, account=ACCOUNT, params=params or {}, **kw))


def test_dynamodb_actions_and_table_arns() -> None:
    assert call("dynamodb", "GetItem", {"TableName": "perfbot-dev-state"}) == [Needed("dynamodb:GetItem", STATE)]
    assert call("dynamodb", "Query", {"TableName": "perfbot-dev-state", "IndexName": "gsi1"}) == [
        Needed("dynamodb:Query", f"{STATE}/index/gsi1")
    ]
    assert call("dynamodb", "BatchGetItem", {"RequestItems": {"perfbot-dev-state": {}, "perfbot-dev-audit": {}}}) == [
        Needed("dynamodb:BatchGetItem", STATE),
        Needed("dynamodb:BatchGetItem", AUDIT),
    ]
    assert call("dynamodb", "BatchWriteItem", {"RequestItems": {"perfbot-dev-audit": []}}) == [
        Needed("dynamodb:BatchWriteItem", AUDIT)
    ]
    transact = {
        "TransactItems": [
            {"Put": {"TableName": "perfbot-dev-state"}},
            {"Update": {"TableName": "perfbot-dev-audit"}},
            {"ConditionCheck": {"TableName": "perfbot-dev-state"}},
        ]
    }
    assert call("dynamodb", "TransactWriteItems", transact) == [
        Needed("dynamodb:PutItem", STATE),
        Needed("dynamodb:UpdateItem", AUDIT),
        Needed("dynamodb:ConditionCheckItem", STATE),
    ]
    assert call("dynamodb", "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "perfbot-dev-audit"}}]}) == [
        Needed("dynamodb:GetItem", AUDIT)
    ]
    assert call("dynamodb", "GetItem", {"TableName": AUDIT}) == [Needed("dynamodb:GetItem", AUDIT)]  # an ARN as name
    assert call("dynamodb", "ListTables") == [Needed("dynamodb:ListTables", "*")]


def test_lambda_actions_and_function_arns() -> None:
    fn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:perfbot-dev-slack"
    assert call("lambda", "Invoke", {"FunctionName": fn}) == [Needed("lambda:InvokeFunction", fn)]
    assert call("lambda", "Invoke", {"FunctionName": "perfbot-dev-slack:live"}) == [
        Needed("lambda:InvokeFunction", f"{fn}:live")
    ]
    assert call("lambda", "GetFunction", {"FunctionName": f"{ACCOUNT}:function:perfbot-dev-slack"}) == [
        Needed("lambda:GetFunction", fn)
    ]
    assert call(
        "lambda", "PutProvisionedConcurrencyConfig", {"FunctionName": "perfbot-dev-slack"}, query={"Qualifier": "3"}
    ) == [Needed("lambda:PutProvisionedConcurrencyConfig", f"{fn}:3")]
    assert call("lambda", "ListFunctions") == [Needed("lambda:ListFunctions", "*")]


def test_api_gateway_is_the_http_method_on_the_request_path() -> None:
    stage = f"arn:aws:apigateway:{REGION}::/restapis/a1b2c3/stages/dev"
    assert call("apigateway", "UpdateStage", method="PATCH", path="/restapis/a1b2c3/stages/dev") == [
        Needed("apigateway:PATCH", stage)
    ]
    assert call("apigateway", "GetRestApis", method="GET", path="/restapis") == [
        Needed("apigateway:GET", f"arn:aws:apigateway:{REGION}::/restapis")
    ]


def test_cloudwatch_uses_its_iam_prefix_and_alarm_arns() -> None:
    alarm = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:"
    assert call("monitoring", "GetMetricData") == [Needed("cloudwatch:GetMetricData", "*")]
    assert call("monitoring", "DescribeAlarms") == [Needed("cloudwatch:DescribeAlarms", f"{alarm}*")]
    assert call("monitoring", "DescribeAlarms", {"AlarmNames": ["A", "B"]}) == [
        Needed("cloudwatch:DescribeAlarms", f"{alarm}A"),
        Needed("cloudwatch:DescribeAlarms", f"{alarm}B"),
    ]
    assert call("monitoring", "PutMetricAlarm", {"AlarmName": "A"}) == [
        Needed("cloudwatch:PutMetricAlarm", f"{alarm}A")
    ]
    assert call("monitoring", "PutMetricData", {"Namespace": "Perfbot"}) == [
        Needed("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Perfbot"})
    ]


def test_ssm_bedrock_sqs_sns_sts_and_the_rest() -> None:
    param = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/perfbot/dev/slack-bot-token"
    assert call("ssm", "GetParameter", {"Name": "/perfbot/dev/slack-bot-token"}) == [Needed("ssm:GetParameter", param)]
    assert call("ssm", "GetParameters", {"Names": ["/perfbot/dev/slack-bot-token"]}) == [
        Needed("ssm:GetParameters", param)
    ]
    model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert call("bedrock", "Converse", {"modelId": model}) == [
        Needed("bedrock:InvokeModel", f"arn:aws:bedrock:{REGION}::foundation-model/{model}")
    ]
    assert call("bedrock", "ConverseStream", {"modelId": f"us.{model}"}) == [
        Needed(
            "bedrock:InvokeModelWithResponseStream", f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/us.{model}"
        )
    ]
    queue = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/perfbot-dev-failed-events"
    assert call("sqs", "SendMessage", {"QueueUrl": queue}) == [
        Needed("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:perfbot-dev-failed-events")
    ]
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:perfbot-dev-alerts"
    assert call("sns", "Publish", {"TopicArn": topic}) == [Needed("sns:Publish", topic)]
    assert call("sts", "GetCallerIdentity") == []
    assert call("application-autoscaling", "RegisterScalableTarget") == [
        Needed("application-autoscaling:RegisterScalableTarget", "*")
    ]
    assert iam_actions.service_prefix("monitoring") == "cloudwatch"


# ----------------------------------------------------------------------------------------------- the packaged roles


@pytest.fixture(scope="module")
def roles() -> dict[str, iam_policy.PolicySet]:
    principals = Principals.load()
    return {
        fn: iam_policy.PolicySet(
            s for p in role.policies for s in iam_policy.compile_document(p["document"], p["name"])
        )
        for fn, role in principals.functions.items()
    }


def test_only_slack_and_schedule_may_invoke_the_configured_bedrock_model(roles: dict[str, Any]) -> None:
    model = get_settings().analysis.bedrock_model_id
    arn = iam_actions.model_arn(Call("bedrock", "Converse", REGION, ACCOUNT), model)
    assert roles["slack"].decide("bedrock:InvokeModel", arn, {}, "bedrock").allowed
    assert roles["schedule"].decide("bedrock:InvokeModel", arn, {}, "bedrock").allowed
    assert not roles["alarms"].decide("bedrock:InvokeModel", arn, {}, "bedrock").allowed
    other = iam_actions.model_arn(Call("bedrock", "Converse", REGION, ACCOUNT), "anthropic.claude-opus-4-v1:0")
    assert not roles["slack"].decide("bedrock:InvokeModel", other, {}, "bedrock").allowed


SLACK_FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:perfbot-dev-slack"
FAILED_EVENTS = f"arn:aws:sqs:{REGION}:{ACCOUNT}:perfbot-dev-failed-events"


@pytest.mark.parametrize(
    ("action", "resource", "who"),
    [
        ("lambda:InvokeFunction", SLACK_FN, {"slack"}),  # Bolt's lazy listeners re-invoke the slack function
        ("sqs:SendMessage", FAILED_EVENTS, {"alarms", "schedule"}),  # on-failure destination
        ("dynamodb:BatchGetItem", STATE, {"slack", "alarms", "schedule"}),
        ("dynamodb:PutItem", AUDIT, {"slack", "schedule"}),
        (
            "ssm:GetParameter",
            f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/perfbot/dev/slack-signing-secret",
            {"slack", "alarms", "schedule"},
        ),
        ("cloudwatch:GetMetricWidgetImage", "*", {"slack", "alarms", "schedule"}),
    ],
)
def test_what_each_packaged_role_may_do(roles: dict[str, Any], action: str, resource: str, who: set[str]) -> None:
    allowed = {fn for fn, role in roles.items() if role.decide(action, resource, {}, action.partition(":")[0]).allowed}
    assert allowed == who


def test_no_role_may_rewrite_the_audit_table(roles: dict[str, Any]) -> None:
    for fn, role in roles.items():
        for action in ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"):
            decision = role.decide(action, AUDIT, {}, "dynamodb")
            assert decision.explicit_deny and decision.statement == "AuditIsAppendOnly", (fn, action)


# ----------------------------------------------------------------------------------------------- the embedded AWS


def session(aws: EmbeddedAws, principal: str) -> boto3.session.Session:
    c = aws.credentials(principal)
    return boto3.session.Session(
        aws_access_key_id=c.access_key_id,
        aws_secret_access_key=c.secret_access_key,
        aws_session_token=c.session_token or None,
        region_name=REGION,
    )


def refused(action: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        action()
    return dict(caught.value.response)


@pytest.fixture
def aws(stack: Any) -> Iterator[EmbeddedAws]:
    """The devstack's enforcing embedded AWS; the denials a test provokes are its own business."""
    yield stack.aws
    stack.aws.clear_denials()


def test_each_function_is_its_own_assumed_role_and_the_operator_a_user(aws: EmbeddedAws) -> None:
    for fn in ("slack", "alarms", "schedule"):
        arn = session(aws, fn).client("sts").get_caller_identity()["Arn"]
        assert arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/perfbot-dev-{fn}/perfbot-dev-{fn}"
    assert (
        session(aws, "operator").client("sts").get_caller_identity()["Arn"].endswith(":user/perfbot/perfbot-operator")
    )
    roles = session(aws, "operator").client("iam").list_roles(PathPrefix="/perfbot/")["Roles"]
    assert sorted(r["RoleName"] for r in roles) == ["perfbot-dev-alarms", "perfbot-dev-schedule", "perfbot-dev-slack"]


def test_the_audit_table_refuses_an_update_with_aws_s_error(aws: EmbeddedAws) -> None:
    dynamodb = session(aws, "alarms").client("dynamodb")
    error = refused(
        lambda: dynamodb.update_item(
            TableName="perfbot-dev-audit",
            Key={"pk": {"S": "audit#head"}, "sk": {"S": "head"}},
            UpdateExpression="SET seq = :s",
            ExpressionAttributeValues={":s": {"N": "1"}},
        )
    )
    principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/perfbot-dev-alarms/perfbot-dev-alarms"
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == message(principal, "dynamodb:UpdateItem", AUDIT, explicit=True)
    [denial] = aws.denials
    assert (denial.action, denial.resource, denial.principal, denial.explicit) == (
        "dynamodb:UpdateItem",
        AUDIT,
        principal,
        True,
    )
    assert aws.clear_denials() == [denial] and aws.denials == []


def test_resources_are_scoped_per_service(aws: EmbeddedAws, stack: Any) -> None:
    monitored.create_function()
    monitored.create_api()
    slack, alarms = session(aws, "slack"), session(aws, "alarms")
    operator = session(aws, "operator")
    operator.client("lambda").create_function(
        FunctionName="someone-elses",
        Runtime="python3.12",
        Role=f"arn:aws:iam::{ACCOUNT}:role/monitoring-api-role",
        Handler="h.h",
        Code={"ZipFile": monitored._zip()},
    )
    # DynamoDB: BatchGetItem on the state table only
    keys = {"Keys": [{"pk": {"S": "x"}, "sk": {"S": "y"}}]}
    alarms.client("dynamodb").batch_get_item(RequestItems={"perfbot-dev-state": keys})
    assert refused(lambda: alarms.client("dynamodb").batch_get_item(RequestItems={"perfbot-dev-audit": keys}))
    # Lambda: the configured function, not another
    slack.client("lambda").update_function_configuration(FunctionName="monitoring-api-dev", MemorySize=1536)
    error = refused(
        lambda: slack.client("lambda").update_function_configuration(FunctionName="someone-elses", MemorySize=256)
    )
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDeniedException", 403)
    assert refused(lambda: alarms.client("lambda").get_function(FunctionName="monitoring-api-dev"))
    # API Gateway: the configured stage name only
    api_id = operator.client("apigateway").get_rest_apis()["items"][0]["id"]
    slack.client("apigateway").get_stage(restApiId=api_id, stageName="dev")
    assert refused(lambda: slack.client("apigateway").get_stage(restApiId=api_id, stageName="prod"))
    # CloudWatch: reads yes, alarm changes no (AccessDenied, CloudWatch's code)
    alarms.client("cloudwatch").describe_alarms()
    error = refused(lambda: alarms.client("cloudwatch").delete_alarms(AlarmNames=["API-HighLatency-P95"]))
    assert error["Error"]["Code"] == "AccessDenied"
    # SSM: the stage's two Slack secrets only
    assert refused(lambda: slack.client("ssm").get_parameter(Name="/perfbot/prod/slack-bot-token"))
    # SNS: nothing at all (SNS says AuthorizationError)
    assert refused(lambda: slack.client("sns").list_topics())["Error"]["Code"] == "AuthorizationError"
    assert [d.action for d in aws.denials] == [
        "dynamodb:BatchGetItem",
        "lambda:UpdateFunctionConfiguration",
        "lambda:GetFunction",
        "apigateway:GET",
        "cloudwatch:DeleteAlarms",
        "ssm:GetParameter",
        "sns:ListTopics",
    ]
    assert aws.denials[3].resource == f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/prod"


def test_the_operator_may_do_anything(aws: EmbeddedAws) -> None:
    operator = session(aws, "operator")
    operator.client("dynamodb").update_item(
        TableName="perfbot-dev-audit",
        Key={"pk": {"S": "x"}, "sk": {"S": "y"}},
        UpdateExpression="SET a = :a",
        ExpressionAttributeValues={":a": {"S": "b"}},
    )
    operator.client("sns").create_topic(Name="anything")
    assert aws.denials == []


def test_unknown_keys_and_wrong_secrets_do_not_authenticate(aws: EmbeddedAws) -> None:
    stranger = boto3.client("dynamodb", aws_access_key_id="testing", aws_secret_access_key="testing")
    assert "InvalidClientTokenId" in str(refused(stranger.list_tables))
    key = aws.credentials("operator").access_key_id
    forged = boto3.client("dynamodb", aws_access_key_id=key, aws_secret_access_key="not-the-secret")
    assert "SignatureDoesNotMatch" in str(refused(forged.list_tables))


def test_a_reset_brings_the_same_principals_back(aws: EmbeddedAws) -> None:
    before = {p: aws.credentials(p) for p in ("operator", "slack")}
    refused(lambda: session(aws, "slack").client("sns").list_topics())
    aws.reset()
    assert aws.denials == []
    assert {p: aws.credentials(p) for p in before} == before
    identity = session(aws, "slack").client("sts").get_caller_identity()
    assert identity["Arn"].endswith("assumed-role/perfbot-dev-slack/perfbot-dev-slack")


def test_another_enforcing_server_in_the_process_has_the_same_principals(aws: EmbeddedAws) -> None:
    with start_aws(principals=Principals.load()) as second:
        assert second.credentials("slack") == aws.credentials("slack")
        c = second.credentials("operator")
        operator = boto3.client(
            "sts",
            endpoint_url=second.endpoint_url,
            aws_access_key_id=c.access_key_id,
            aws_secret_access_key=c.secret_access_key,
            region_name=REGION,
        )
        assert operator.get_caller_identity()["Arn"].endswith(":user/perfbot/perfbot-operator")
    # the first server still enforces once the second is gone
    assert refused(lambda: session(aws, "slack").client("sns").list_topics())
    assert [d.action for d in aws.clear_denials()] == ["sns:ListTopics"]


def test_a_server_without_principals_takes_any_credentials(embedded_aws_server: EmbeddedAws, stack: Any) -> None:
    anyone = boto3.client(
        "dynamodb",
        endpoint_url=embedded_aws_server.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    anyone.list_tables()
    assert not embedded_aws_server.enforces_iam


# ----------------------------------------------------------------------------------------------- running as a function


def test_running_as_switches_the_environment_and_the_clients(stack: Any) -> None:
    operator_client = client("dynamodb")
    with lambdas.running_as("alarms"):
        assert lambdas.active() == "alarms"
        sts = boto3.session.Session().client("sts")  # a new session: boto3's default one keeps its first credentials
        assert sts.get_caller_identity()["Arn"].endswith("perfbot-dev-alarms/perfbot-dev-alarms")
        assert client("dynamodb") is not operator_client
    assert lambdas.active() is None
    assert boto3.session.Session().client("sts").get_caller_identity()["Arn"].endswith("user/perfbot/perfbot-operator")
    assert client("dynamodb") is operator_client


def test_two_identities_are_never_active_at_once(stack: Any) -> None:
    order: list[str] = []
    inside = threading.Event()

    def schedule() -> None:
        inside.wait(5)
        with lambdas.running_as("schedule"):
            order.append("schedule")

    thread = threading.Thread(target=schedule)
    thread.start()
    with lambdas.running_as("slack"):
        inside.set()
        time.sleep(0.2)  # the schedule invocation waits for this one
        order.append("slack")
        with lambdas.running_as("slack"):  # the same function again (a concurrent click) joins
            pass
        with pytest.raises(RuntimeError, match="already running as slack"), lambdas.running_as("alarms"):
            pass
    thread.join(5)
    assert order == ["slack", "schedule"]


def test_invocations_get_their_own_function_s_context() -> None:
    ctx = lambdas.context("schedule")
    assert (ctx.function_name, ctx.invoked_function_arn, ctx.log_group_name) == (
        "perfbot-dev-schedule",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:perfbot-dev-schedule",
        "/aws/lambda/perfbot-dev-schedule",
    )
    with pytest.raises(ValueError, match="unknown function"):
        lambdas.context("billing")


@pytest.mark.parametrize("function", ["slack", "schedule"])
@pytest.mark.parametrize(
    ("kind", "target", "after"),
    [
        ("lambda_memory", "monitoring-api-dev", {"memory_mb": 1536}),
        ("lambda_provisioned_concurrency", "monitoring-api-dev:live", {"units": 2}),
        ("apigw_cache", "monitoring-api/dev", {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 300}),
        ("apigw_throttling", "monitoring-api/dev", {"rate_limit": 1500.0, "burst_limit": 3000}),
        ("dynamodb_capacity", "ApplicationMetrics-dev", {"read_units": 75, "write_units": 37}),
        (
            "breaker_thresholds",
            "monitoring-api",
            {"failure_threshold": 10, "open_timeout_s": 30.0, "half_open_success_threshold": 3},
        ),
    ],
)
def test_every_change_kind_applies_within_the_changing_functions_roles(
    aws: EmbeddedAws, function: str, kind: str, target: str, after: Values
) -> None:
    """What serverless.yml grants slack and schedule suffices for every change kind: read, apply, wait, read back."""
    monitored.create_function(memory_mb=1024)
    monitored.create_api()
    monitored.create_table(read=50, write=25)
    handler = handler_for(kind)
    with lambdas.running_as(function):
        handler.read_current(target)
        handler.validate(target, after)
        handler.apply(target, after)
        handler.wait_until_done(target)
        assert handler.read_back(target) == after
    assert aws.denials == [], [str(d) for d in aws.denials]
    assert json.dumps(after)  # the values were what the handler read back


def test_only_the_configured_apis_stage_may_be_patched(aws: EmbeddedAws, stack: Any) -> None:
    """Another REST API with a stage of the same name is out of reach: IAM names the configured API id."""
    configured = monitored.create_api()
    operator = session(aws, "operator").client("apigateway")
    other = operator.create_rest_api(name="someone-elses-api")["id"]
    root = operator.get_resources(restApiId=other)["items"][0]["id"]
    operator.put_method(restApiId=other, resourceId=root, httpMethod="GET", authorizationType="NONE")
    operator.put_integration(restApiId=other, resourceId=root, httpMethod="GET", type="MOCK")
    operator.create_stage(
        restApiId=other, stageName="dev", deploymentId=operator.create_deployment(restApiId=other)["id"]
    )
    slack = session(aws, "slack").client("apigateway")
    patch = [{"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"}]

    slack.update_stage(restApiId=configured, stageName="dev", patchOperations=patch)
    assert refused(lambda: slack.update_stage(restApiId=other, stageName="dev", patchOperations=patch))
    assert [(d.action, d.resource) for d in aws.denials] == [
        ("apigateway:PATCH", f"arn:aws:apigateway:{REGION}::/restapis/{other}/stages/dev")
    ]
    aws.clear_denials()
