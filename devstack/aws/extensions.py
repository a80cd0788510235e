"""Applies every perfbot extension to moto, once per process (applying again is harmless)."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_applied = False


def apply() -> None:
    global _applied  # noqa: PLW0603 - a process-wide "patched" flag is the point
    with _lock:
        if _applied:
            return
        from . import (
            alarms_ext,
            cloudwatch_ext,
            dispatch_ext,
            dynamodb_ext,
            dynamodb_speed,
            dynamodb_wire,
            iam_authz,
            lambda_ext,
            widget_image,
        )

        cloudwatch_ext.apply()
        alarms_ext.apply()
        widget_image.apply()
        lambda_ext.apply()
        dynamodb_ext.apply()
        dynamodb_wire.apply()
        dynamodb_speed.apply()
        dispatch_ext.apply()
        iam_authz.apply()
        _applied = True
