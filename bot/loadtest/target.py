"""Which endpoints a load test may hit, and how it authenticates to a real API Gateway stage."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from bot.loadtest.engine import Signer


class RefusedTarget(Exception):
    """The target is not on this machine and the operator did not say they own it."""


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)


def check_target(url: str, *, owned: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedTarget(f"{url!r} is not an http(s) URL")
    if not owned and not is_loopback(url):
        raise RefusedTarget(
            f"{parts.hostname} is not this machine: load-testing it is refused unless you own the endpoint "
            "(--i-own-this-endpoint)"
        )


def sigv4_signer(region: str, service: str = "execute-api") -> Signer:
    """IAM auth for a stage whose methods use AWS_IAM: SigV4 with the environment's credentials (botocore)."""
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise RefusedTarget("--iam needs AWS credentials in the environment")
    frozen = credentials.get_frozen_credentials()

    def sign(method: str, url: str, body: bytes) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(frozen, service, region).add_auth(request)
        return {k: v for k, v in request.headers.items() if k.lower() != "content-type"}

    return sign
