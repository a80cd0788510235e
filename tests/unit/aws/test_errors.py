"""One way AWS failures reach perfbot's code: an AwsError that names the action and keeps AWS's code and request id."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from bot.aws.clients import AwsError, failing_as


def test_an_aws_error_answer_keeps_its_code_and_request_id() -> None:
    answer = {
        "Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
        "ResponseMetadata": {"RequestId": "req-123"},
    }
    with pytest.raises(AwsError) as caught, failing_as("GetMetricData"):
        raise ClientError(answer, "GetMetricData")
    assert caught.value.code == "ThrottlingException" and caught.value.request_id == "req-123"
    assert str(caught.value) == "GetMetricData failed: ThrottlingException: Rate exceeded"
    assert isinstance(caught.value.__cause__, ClientError)


def test_a_failure_without_an_aws_code_is_named_by_its_kind() -> None:
    with pytest.raises(AwsError) as caught, failing_as("UpdateTable orders"):
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
    assert caught.value.code == "EndpointConnectionError"
    assert str(caught.value).startswith("UpdateTable orders failed: EndpointConnectionError: ")


def test_an_aws_error_raised_inside_passes_through_unwrapped() -> None:
    inner = AwsError("BatchGetItem on state: keys left unprocessed", code="UnprocessedKeys")
    with pytest.raises(AwsError) as caught, failing_as("outer"):
        raise inner
    assert caught.value is inner
