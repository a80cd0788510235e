"""Lambda beyond moto: provisioned concurrency (``provisioned``), and perfbot's own functions invocable by name
(``local``) — so Bolt's lazy listeners re-invoke the Slack function through the Lambda API exactly as on AWS."""

from __future__ import annotations

from .local import LocalFunctions, local_functions


def apply() -> None:
    from . import local, provisioned

    provisioned.apply()
    local.apply()


__all__ = ["LocalFunctions", "local_functions"]
