"""Cold starts and package size, as measured: the share of invocations that started a new execution environment
and their init p95 (Lambda Insights' init_duration, one sample per cold start), and the deployment package
(GetFunctionConfiguration ``CodeSize``) against the guide's advice. The SLA report shows them per function; PC and
memory cards carry them as evidence. Without Lambda Insights the cold starts are unknown, and said to be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from bot.analysis.inputs import LambdaInputs

if TYPE_CHECKING:
    from bot.analysis.inputs import ServiceInputs
    from bot.analysis.models import Recommendation

# The guide's "Package Size Optimization" names no size: it says to check CodeSize, drop unneeded packages and use
# the AWS SDK the runtime provides instead of bundling it. A bundled boto3/botocore alone is about 10 MB zipped,
# so a package above that is where the advice applies; 50 MB is Lambda's limit for a zipped direct upload.
PACKAGE_ADVICE_BYTES = 10 * 1024 * 1024
NEEDS_INSIGHTS = "needs Lambda Insights"


class ColdStartFacts(BaseModel):
    """One function's cold starts over ``window`` and its package; None = not measured, ``missing`` says why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    function: str
    window: str = ""
    invocations: float | None = None
    cold_starts: float | None = None
    init_p95_ms: float | None = None
    code_size_bytes: int | None = None
    missing: str | None = None

    @property
    def share(self) -> float | None:
        if self.cold_starts is None or not self.invocations:
            return None
        return self.cold_starts / self.invocations

    @property
    def package_large(self) -> bool | None:
        return None if self.code_size_bytes is None else self.code_size_bytes > PACKAGE_ADVICE_BYTES


def facts_of(fn: LambdaInputs, window: str) -> ColdStartFacts:
    """What the analysis measured for ``fn`` (cold starts only with Lambda Insights)."""
    measured = fn.cold_starts is not None
    return ColdStartFacts(
        function=fn.name,
        window=window,
        invocations=fn.invocations,
        cold_starts=fn.cold_starts,
        init_p95_ms=fn.init_duration_p95_ms if measured else None,
        code_size_bytes=fn.code_size_bytes,
        missing=None if measured else NEEDS_INSIGHTS,
    )


EVIDENCE_KINDS = ("lambda_memory", "lambda_provisioned_concurrency")  # cards that show the function's cold starts


def with_cold_starts(recs: list[Recommendation], inputs: ServiceInputs, window: str) -> list[Recommendation]:
    """Each PC and memory recommendation with its function's measured cold starts (set by code for the rules' and
    the model's recommendations alike; anything else a model put there is dropped)."""
    functions = {fn.name: fn for fn in inputs.lambdas}
    out = []
    for rec in recs:
        fn = functions.get(rec.target.split(":", 1)[0]) if rec.kind in EVIDENCE_KINDS else None
        out.append(rec.model_copy(update={"cold_starts": facts_of(fn, window) if fn is not None else None}))
    return out
