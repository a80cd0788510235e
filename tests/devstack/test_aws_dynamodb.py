"""Conditional writes on the embedded AWS are atomic per item, as DynamoDB documents."""

from __future__ import annotations

import threading
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError


def _race(n: int, attempt: Any) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            attempt(i)
            result = "won"
        except ClientError as exc:
            result = exc.response["Error"]["Code"]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_only_one_of_many_racing_conditional_puts_wins(new_table: Any) -> None:
    client = new_table("race", config=Config(max_pool_connections=50))
    outcomes = _race(
        40,
        lambda i: client.put_item(
            TableName="race",
            Item={"pk": {"S": "proposal#1"}, "winner": {"N": str(i)}},
            ConditionExpression="attribute_not_exists(pk)",
        ),
    )
    assert outcomes.count("won") == 1
    assert outcomes.count("ConditionalCheckFailedException") == 39


def test_racing_state_transitions_have_one_winner(new_table: Any) -> None:
    client = new_table("race", config=Config(max_pool_connections=50))
    client.put_item(TableName="race", Item={"pk": {"S": "p"}, "state": {"S": "proposed"}})
    outcomes = _race(
        40,
        lambda i: client.update_item(
            TableName="race",
            Key={"pk": {"S": "p"}},
            UpdateExpression="SET #s = :applying, actor = :me",
            ConditionExpression="#s = :proposed",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={
                ":applying": {"S": "applying"},
                ":proposed": {"S": "proposed"},
                ":me": {"N": str(i)},
            },
        ),
    )
    assert outcomes.count("won") == 1
    item = client.get_item(TableName="race", Key={"pk": {"S": "p"}})["Item"]
    assert item["state"]["S"] == "applying"
