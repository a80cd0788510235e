"""The monitored service's resources: IAM role, Lambda function + version + alias, DynamoDB table, REST API.

Every function here is idempotent: it looks the resource up, creates it when missing and otherwise brings its
configuration to what the scenario says (so re-running ``simulate`` with another scenario reconfigures).
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from devstack.simulator.metrics import MetricNames
from devstack.simulator.scenarios import Scenario

log = logging.getLogger(__name__)

HANDLER_SOURCE = '''"""Placeholder for the simulated monitoring-api; the simulator never invokes it."""
import json


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
'''
ASSUME_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@dataclass(frozen=True)
class FunctionInfo:
    arn: str
    version: str
    alias_arn: str


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("handler.py", HANDLER_SOURCE)
    return buffer.getvalue()


def ensure_role(iam: Any, name: str) -> str:
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except ClientError as exc:
        if _code(exc) != "NoSuchEntity":
            raise
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(ASSUME_LAMBDA))
    return str(role["Role"]["Arn"])


def ensure_function(lambda_: Any, role_arn: str, names: MetricNames, scenario: Scenario) -> FunctionInfo:
    """Function (python3.12, the scenario's architecture), a published version matching the scenario's config, and
    the alias on it."""
    wanted: dict[str, Any] = {"MemorySize": scenario.memory_mb, "Timeout": scenario.timeout_s}
    try:
        config = lambda_.get_function_configuration(FunctionName=names.function_name)
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise
        config = lambda_.create_function(
            FunctionName=names.function_name,
            Runtime="python3.12",
            Architectures=[scenario.architecture],
            Role=role_arn,
            Handler="handler.lambda_handler",
            Code={"ZipFile": handler_zip()},
            Environment={"Variables": {"TABLE_NAME": names.table_name}},
            Publish=False,
            **wanted,
        )
    if any(config.get(key) != value for key, value in wanted.items()):
        config = lambda_.update_function_configuration(FunctionName=names.function_name, **wanted)
    versions = lambda_.list_versions_by_function(FunctionName=names.function_name)["Versions"]
    published = [v for v in versions if v["Version"] != "$LATEST"]
    current = max(published, key=lambda v: int(v["Version"])) if published else None
    if current is None or any(current.get(key) != value for key, value in wanted.items()):
        current = lambda_.publish_version(FunctionName=names.function_name, Description="simulator")
    version = str(current["Version"])
    try:
        alias = lambda_.get_alias(FunctionName=names.function_name, Name=names.alias)
        if alias["FunctionVersion"] != version:
            alias = lambda_.update_alias(FunctionName=names.function_name, Name=names.alias, FunctionVersion=version)
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise
        alias = lambda_.create_alias(FunctionName=names.function_name, Name=names.alias, FunctionVersion=version)
    _ensure_concurrency(lambda_, names, scenario)
    return FunctionInfo(str(config["FunctionArn"]).split(":$LATEST")[0], version, str(alias["AliasArn"]))


def _ensure_concurrency(lambda_: Any, names: MetricNames, scenario: Scenario) -> None:
    if scenario.reserved_concurrency is not None:
        lambda_.put_function_concurrency(
            FunctionName=names.function_name, ReservedConcurrentExecutions=scenario.reserved_concurrency
        )
    elif lambda_.get_function_concurrency(FunctionName=names.function_name).get("ReservedConcurrentExecutions"):
        lambda_.delete_function_concurrency(FunctionName=names.function_name)
    if scenario.provisioned_concurrency > 0:
        lambda_.put_provisioned_concurrency_config(
            FunctionName=names.function_name,
            Qualifier=names.alias,
            ProvisionedConcurrentExecutions=scenario.provisioned_concurrency,
        )
        return
    try:  # best effort: a previous scenario may have left provisioned concurrency on the alias
        lambda_.delete_provisioned_concurrency_config(FunctionName=names.function_name, Qualifier=names.alias)
    except ClientError as exc:
        log.debug("no provisioned concurrency to remove on %s: %s", names.alias, _code(exc))


def ensure_table(dynamodb: Any, table: str, index: str, scenario: Scenario) -> bool:
    """ServiceName + Timestamp keys, GSI on the same keys (the seed's design), PROVISIONED capacity."""
    throughput = {"ReadCapacityUnits": scenario.provisioned_rcu, "WriteCapacityUnits": scenario.provisioned_wcu}
    try:
        described = dynamodb.describe_table(TableName=table)["Table"]
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise
        keys = [
            {"AttributeName": "ServiceName", "KeyType": "HASH"},
            {"AttributeName": "Timestamp", "KeyType": "RANGE"},
        ]
        dynamodb.create_table(
            TableName=table,
            KeySchema=keys,
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("ServiceName", "Timestamp")],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": index,
                    "KeySchema": keys,
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": throughput,
                }
            ],
            BillingMode="PROVISIONED",
            ProvisionedThroughput=throughput,
        )
        dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
        return True
    current = described.get("ProvisionedThroughput", {})
    if any(current.get(key) != value for key, value in throughput.items()):
        dynamodb.update_table(TableName=table, ProvisionedThroughput=throughput)
    return False


def ensure_contributor_insights(dynamodb: Any, table: str, scenario: Scenario) -> None:
    """Contributor Insights on or off as the scenario says; on, a sample of the day's reads so it has keys to rank."""
    from devstack.simulator.hot_keys import key_reads

    status = dynamodb.describe_contributor_insights(TableName=table)["ContributorInsightsStatus"]
    if scenario.contributor_insights != (status in ("ENABLED", "ENABLING")):
        action = "ENABLE" if scenario.contributor_insights else "DISABLE"
        dynamodb.update_contributor_insights(TableName=table, ContributorInsightsAction=action)
    if not scenario.contributor_insights:
        return
    for key, reads in key_reads(scenario):
        for _ in range(reads):
            dynamodb.query(
                TableName=table,
                KeyConditionExpression="ServiceName = :s",
                ExpressionAttributeValues={":s": {"S": key}},
                Limit=1,
            )


def ensure_api(
    apigw: Any, names: MetricNames, scenario: Scenario, alias_arn: str, region: str, *, api_id: str | None = None
) -> str:
    """REST API with GET and POST on /metrics (Lambda proxy to the alias), deployed to the stage. ``api_id``: the id
    perfbot.yml configures (AWS assigns ids; moto takes the one its ``_custom_id_`` tag names)."""
    apis = apigw.get_rest_apis(limit=500).get("items", [])
    api = next((a for a in apis if a["name"] == names.api_name), None)
    if api is None:
        api = apigw.create_rest_api(
            name=names.api_name,
            description="Simulated monitored service (perfbot devstack)",
            endpointConfiguration={"types": ["REGIONAL"]},
            tags={"_custom_id_": api_id} if api_id else {},
        )
    api_id = str(api["id"])
    resources = apigw.get_resources(restApiId=api_id, limit=500)["items"]
    by_path = {r["path"]: r for r in resources}
    resource = by_path.get(names.resource_path)
    if resource is None:
        resource = apigw.create_resource(
            restApiId=api_id, parentId=by_path["/"]["id"], pathPart=names.resource_path.strip("/")
        )
    uri = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{alias_arn}/invocations"
    changed = False
    for method in ("GET", "POST"):
        if method in (resource.get("resourceMethods") or {}):
            continue
        params = {"method.request.querystring.service": False} if method == "GET" else {}
        apigw.put_method(
            restApiId=api_id,
            resourceId=resource["id"],
            httpMethod=method,
            authorizationType="NONE",
            requestParameters=params,
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=resource["id"],
            httpMethod=method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=uri,
        )
        changed = True
    stages = {s["stageName"] for s in apigw.get_stages(restApiId=api_id).get("item", [])}
    if changed or names.stage not in stages:
        apigw.create_deployment(restApiId=api_id, stageName=names.stage, description="simulator")
    apigw.update_stage(restApiId=api_id, stageName=names.stage, patchOperations=stage_patch(scenario))
    return api_id


def stage_patch(scenario: Scenario) -> list[dict[str, str]]:
    """Cache, throttling and metrics settings of the stage (all methods: ``*/*``)."""
    values = {
        "/cacheClusterEnabled": str(scenario.cache_enabled).lower(),
        "/cacheClusterSize": scenario.cache_cluster_size,
        "/*/*/caching/enabled": str(scenario.cache_enabled).lower(),
        "/*/*/caching/ttlInSeconds": str(scenario.cache_ttl_s),
        "/*/*/throttling/rateLimit": str(scenario.throttle_rate_limit),
        "/*/*/throttling/burstLimit": str(scenario.throttle_burst_limit),
        "/*/*/metrics/enabled": "true",
    }
    return [{"op": "replace", "path": path, "value": value} for path, value in values.items()]


def allow_api_to_invoke(lambda_: Any, names: MetricNames, api_id: str, region: str, account: str) -> None:
    try:
        lambda_.add_permission(
            FunctionName=names.function_name,
            Qualifier=names.alias,
            StatementId=f"apigateway-{names.api_name}",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{region}:{account}:{api_id}/*/*{names.resource_path}",
        )
    except ClientError as exc:
        if _code(exc) != "ResourceConflictException":
            raise
