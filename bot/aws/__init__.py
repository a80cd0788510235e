"""One gateway per AWS service, typed in and out; botocore errors are wrapped once here as :class:`AwsError`."""

from bot.aws.clients import AwsError, client

__all__ = ["AwsError", "client"]
