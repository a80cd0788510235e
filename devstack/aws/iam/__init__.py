"""IAM as in production: every request authorized against its principal's policies (``authz``), with the action and
resource ARN AWS's Service Authorization Reference gives it (``actions``) and IAM's evaluation logic (``policy``)."""

from __future__ import annotations


def apply() -> None:
    from . import authz

    authz.apply()
