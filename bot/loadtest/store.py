"""Load-test runs in perfbot's state table: ``pk="loadtest#<profile>"``, ``sk="run#<started_at>"`` (newest last)."""

from __future__ import annotations

import json

from bot.aws.dynamodb import Table
from bot.loadtest.models import LoadTestRun

PK_PREFIX = "loadtest#"


class LoadTestStore:
    def __init__(self, table_name: str, region: str | None = None) -> None:
        self._table = Table(table_name, region)

    def previous(self, profile: str) -> LoadTestRun | None:
        """The latest stored run of ``profile``."""
        for item in self._table.query("pk = :pk", {":pk": PK_PREFIX + profile}, newest_first=True, limit=1):
            return LoadTestRun.model_validate_json(item["run"])
        return None

    def save(self, run: LoadTestRun) -> None:
        self._table.put({"pk": PK_PREFIX + run.profile, "sk": f"run#{run.started_at}", "run": run.model_dump_json()})

    def latest(self, profiles: tuple[str, ...]) -> list[LoadTestRun]:
        runs = [self.previous(p) for p in profiles]
        return [r for r in runs if r is not None]


def to_json(run: LoadTestRun) -> str:
    return json.dumps(run.model_dump(mode="json"), indent=2)
