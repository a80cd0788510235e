"""Embedded AWS for the devstack: moto's server plus the CloudWatch/Lambda behaviour perfbot needs.

Usage: `aws = start_aws(port=0)`, then export `AWS_ENDPOINT_URL=aws.endpoint_url`; `aws.reset()` between
tests, `aws.stop()` (or use it as a context manager) at the end.
"""

from __future__ import annotations

from .server import EmbeddedAws, start_aws

__all__ = ["EmbeddedAws", "start_aws"]
