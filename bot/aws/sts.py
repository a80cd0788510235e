"""STS gateway: the account perfbot runs in — S3 bucket names are unique across all of AWS, so perfbot's carry it.

``GetCallerIdentity`` needs no IAM permission; on Lambda it is never called (serverless.yml passes the bucket's name).
"""

from __future__ import annotations

from bot.aws.clients import client, failing_as


def account_id(region: str | None = None) -> str:
    with failing_as("GetCallerIdentity"):
        return str(client("sts", region).get_caller_identity()["Account"])
