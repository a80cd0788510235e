"""Lambda gateway: the live configuration perfbot analyses (reads); change handlers add their writes here.

Typed out as plain values; botocore errors become :class:`bot.aws.AwsError` here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.aws.clients import AwsError, client, failing_as

NOT_FOUND_CODES = ("ResourceNotFoundException", "ProvisionedConcurrencyConfigNotFoundException")


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    memory_mb: int
    timeout_s: int
    architecture: str
    runtime: str
    version: str
    code_size_bytes: int | None = None


class LambdaGateway:
    def __init__(self, region: str | None = None) -> None:
        self._client = client("lambda", region)

    def _call(self, action: str, **kwargs: Any) -> Any:
        with failing_as(action):
            return getattr(self._client, action)(**kwargs)

    def _get_or_none(self, action: str, **kwargs: Any) -> Any:
        """A read whose "not found" answer means "not configured": None instead of an error."""
        try:
            return self._call(action, **kwargs)
        except AwsError as error:
            if error.code in NOT_FOUND_CODES:
                return None
            raise

    def get_function_configuration(self, name: str, qualifier: str | None = None) -> FunctionConfig:
        kwargs: dict[str, Any] = {"FunctionName": name}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        answer = self._call("get_function_configuration", **kwargs)
        return FunctionConfig(
            name=str(answer["FunctionName"]),
            memory_mb=int(answer.get("MemorySize", 128)),
            timeout_s=int(answer.get("Timeout", 3)),
            architecture=str((answer.get("Architectures") or ["x86_64"])[0]),
            runtime=str(answer.get("Runtime", "")),
            version=str(answer.get("Version", "$LATEST")),
            code_size_bytes=int(answer["CodeSize"]) if "CodeSize" in answer else None,
        )

    def get_alias(self, name: str, alias: str) -> dict[str, Any] | None:
        """The alias (``FunctionVersion`` says which version it points at), or None when it does not exist."""
        answer = self._get_or_none("get_alias", FunctionName=name, Name=alias)
        return dict(answer) if answer is not None else None

    def get_provisioned_concurrency(self, name: str, qualifier: str) -> int | None:
        """Requested provisioned concurrency on the alias/version, or None when none is configured."""
        answer = self._get_or_none("get_provisioned_concurrency_config", FunctionName=name, Qualifier=qualifier)
        if answer is None:
            return None
        return int(answer.get("RequestedProvisionedConcurrentExecutions", 0))

    def get_function_concurrency(self, name: str) -> int | None:
        """Reserved concurrency, or None when the function uses the unreserved pool."""
        answer = self._call("get_function_concurrency", FunctionName=name)
        value = answer.get("ReservedConcurrentExecutions")
        return None if value is None else int(value)

    # -- writes (change handlers) ------------------------------------------------------------------------------

    def update_memory(self, name: str, memory_mb: int) -> str:
        """UpdateFunctionConfiguration(MemorySize); returns AWS's request id for the audit."""
        answer = self._call("update_function_configuration", FunctionName=name, MemorySize=int(memory_mb))
        return str(answer.get("ResponseMetadata", {}).get("RequestId", ""))

    def wait_function_updated(self, name: str, *, delay_s: int = 1, max_attempts: int = 120) -> None:
        """Block until LastUpdateStatus is Successful (raises AwsError when the update failed or timed out)."""
        try:
            self._client.get_waiter("function_updated_v2").wait(
                FunctionName=name, WaiterConfig={"Delay": delay_s, "MaxAttempts": max_attempts}
            )
        except Exception as exc:
            raise AwsError(f"waiting for {name} to finish updating failed: {exc}") from exc

    def put_provisioned_concurrency(self, name: str, qualifier: str, units: int) -> str:
        answer = self._call(
            "put_provisioned_concurrency_config",
            FunctionName=name,
            Qualifier=qualifier,
            ProvisionedConcurrentExecutions=int(units),
        )
        return str(answer.get("ResponseMetadata", {}).get("RequestId", ""))

    def delete_provisioned_concurrency(self, name: str, qualifier: str) -> str:
        answer = self._call("delete_provisioned_concurrency_config", FunctionName=name, Qualifier=qualifier)
        return str(answer.get("ResponseMetadata", {}).get("RequestId", ""))

    def provisioned_concurrency_status(self, name: str, qualifier: str) -> tuple[str, str] | None:
        """(Status, StatusReason) of the alias/version's config — IN_PROGRESS, READY or FAILED — or None."""
        answer = self._get_or_none("get_provisioned_concurrency_config", FunctionName=name, Qualifier=qualifier)
        if answer is None:
            return None
        return str(answer.get("Status", "")), str(answer.get("StatusReason", ""))
