"""perfbot's health as plain text lines, for the terminal (``perfbot health``)."""

from __future__ import annotations

from bot.health.report import HealthReport


def health_text(report: HealthReport) -> str:
    lines = [f"perfbot health — {report.stage}: {'healthy' if report.healthy else 'needs a look'}"]
    last = report.last_alarm
    when = f"{report.generated_at.timestamp() - last.at:.0f} s ago" if last else ""
    lines.append(
        f"  last alarm handled: {last.alarm_name} ({last.state}, {last.action}) {when}" if last else
        "  last alarm handled: none yet"
    )  # fmt: skip
    depth = report.failed_events
    lines.append(f"  failed-events queue: {depth.visible} waiting" if depth else "  failed-events queue: unknown")
    if report.functions:
        lines.append(f"  errors (last hour): {report.errors}")
        lines += [
            f"    {f.function_name}: {f.errors} error(s), {f.throttles} throttle(s), {f.invocations} invocation(s)"
            for f in report.functions
        ]
    else:
        lines.append("  errors (last hour): unknown")
    lines += [f"  ? {part}: {problem}" for part, problem in sorted(report.problems.items())]
    lines.append("  versions: " + ", ".join(f"{k} {v}" for k, v in report.versions.items()))
    return "\n".join(lines)
