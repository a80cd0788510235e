"""Which partition keys the simulated service reads: ``hot_key_share`` of them on one key (the service's own name),
the rest spread over other services' names — what Contributor Insights for DynamoDB would rank."""

from __future__ import annotations

from devstack.simulator.scenarios import Scenario

HOT_KEY = "monitoring-api"
SAMPLE_READS = 100  # the reads the simulator sends to the table (Contributor Insights counts them)
OTHER_KEYS = 16


def key_reads(scenario: Scenario) -> list[tuple[str, int]]:
    """(partition key, reads) of a sample of the day's reads, most read first."""
    hot = round(SAMPLE_READS * scenario.hot_key_share)
    others = (SAMPLE_READS - hot) // OTHER_KEYS
    spread = [(f"service-{i:02d}", others) for i in range(OTHER_KEYS)]
    return sorted([(HOT_KEY, hot), *spread], key=lambda kv: -kv[1])


def top_keys(scenario: Scenario, count: int = 3) -> tuple[tuple[str, float], ...]:
    """What GetInsightRuleReport's most-accessed rule answers for the sample (the offline corpus's stand-in)."""
    return tuple((key, float(n)) for key, n in key_reads(scenario)[:count] if n > 0)
