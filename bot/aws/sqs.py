"""SQS gateway: how many messages wait in a queue (perfbot's failed-events queue, for /perf health).

Typed in and out; botocore errors become :class:`bot.aws.AwsError` here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.aws.clients import client, failing_as


@dataclass(frozen=True)
class QueueDepth:
    visible: int  # waiting to be received (ApproximateNumberOfMessages)
    in_flight: int  # received, not yet deleted (ApproximateNumberOfMessagesNotVisible)


class SqsGateway:
    def __init__(self, region: str | None = None) -> None:
        self._client = client("sqs", region)

    def depth(self, queue: str) -> QueueDepth:
        """``queue`` is its URL (as serverless.yml passes it) or its name (looked up with GetQueueUrl)."""
        url = queue
        if not queue.startswith(("https://", "http://")):
            with failing_as("GetQueueUrl"):
                url = str(self._client.get_queue_url(QueueName=queue)["QueueUrl"])
        with failing_as("GetQueueAttributes"):
            answer = self._client.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )
        attributes = answer.get("Attributes", {})
        return QueueDepth(
            visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        )
