"""AWS's published list prices (USD) that the estimates use: Lambda per architecture and region.

Lambda bills requests and GB-seconds; arm64 (Graviton) is about 20 % cheaper than x86_64 per GB-second, and
invocations on provisioned-concurrency environments are billed at a lower duration rate on top of the hourly
charge for keeping them warm. Source: aws.amazon.com/lambda/pricing (first duration tier, which covers the
simulated and typical service). API Gateway, cache and DynamoDB prices come from ``pricing`` in perfbot.yml.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LambdaPrices:
    request: float  # per request
    gb_second: float  # on-demand duration
    provisioned_gb_second: float  # provisioned concurrency kept warm, per GB-second configured
    provisioned_duration_gb_second: float  # duration of invocations served by provisioned environments


_STANDARD = {
    "x86_64": LambdaPrices(0.20e-6, 0.0000166667, 0.0000041667, 0.0000097222),
    "arm64": LambdaPrices(0.20e-6, 0.0000133334, 0.0000033334, 0.0000077778),
}
# Regions whose published Lambda prices are the us-east-1 ones
STANDARD_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "sa-east-1",
    }
)


def lambda_prices(region: str, architecture: str) -> LambdaPrices:
    """The published prices for ``architecture`` (x86_64 unless arm64); every tabulated region bills the same."""
    return _STANDARD["arm64" if architecture == "arm64" else "x86_64"]


def prices_note(region: str) -> str | None:
    """A sentence when ``region``'s Lambda prices are not tabulated (us-east-1's are used)."""
    if region in STANDARD_REGIONS:
        return None
    return f"Lambda prices for {region} are not tabulated; estimates use us-east-1's published prices."
