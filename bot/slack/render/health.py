"""/perf health: perfbot's own state as Block Kit, and its notification text."""

from __future__ import annotations

from bot.health.report import HealthReport
from bot.slack.render.kit import Block, context, escape, fallback, fit, header, section, slack_date


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{max(0, round(seconds))} s ago"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min ago"
    return f"{seconds / 3600:.1f} h ago"


def _last_alarm_line(report: HealthReport) -> str:
    last = report.last_alarm
    if last is None:
        return "*Last alarm handled:* none yet"
    age = _age(report.generated_at.timestamp() - last.at)
    return (
        f"*Last alarm handled:* {escape(last.alarm_name)} ({escape(last.state)}, {escape(last.action)}) "
        f"{slack_date(last.at)} — {age}"
    )


def _queue_line(report: HealthReport) -> str:
    depth = report.failed_events
    if depth is None:
        return "*Failed-events queue:* unknown"
    icon = ":warning:" if depth.visible else ":white_check_mark:"
    line = f"*Failed-events queue:* {icon} {depth.visible} waiting"
    if depth.in_flight:
        line += f", {depth.in_flight} being received"
    if depth.visible:
        line += " — events that failed after retries: inspect or replay them from the queue"
    return line


def _function_lines(report: HealthReport) -> list[str]:
    if not report.functions:
        return ["*Errors (last hour):* unknown"]
    lines = [f"*Errors (last hour):* {report.errors}"]
    for f in report.functions:
        icon = ":warning:" if f.errors or f.throttles else ":white_check_mark:"
        lines.append(
            f"{icon} `{escape(f.function_name)}`: {f.errors} error(s), {f.throttles} throttle(s), "
            f"{f.invocations} invocation(s)"
        )
    return lines


def health_blocks(report: HealthReport) -> list[Block]:
    verdict = ":large_green_circle: healthy" if report.healthy else ":large_orange_circle: needs a look"
    blocks: list[Block] = [
        header(f"perfbot health — {report.stage}"),
        section(f"*{verdict}*\n{_last_alarm_line(report)}\n{_queue_line(report)}"),
        section("\n".join(_function_lines(report))),
    ]
    for part, problem in sorted(report.problems.items()):
        blocks.append(context(f":grey_question: {escape(part)}: {escape(problem)}"))
    blocks.append(context("Versions: " + " · ".join(f"{escape(k)} {escape(v)}" for k, v in report.versions.items())))
    blocks.append(context(f"as of {report.generated_at:%H:%M:%S} UTC"))
    return fit(blocks)


def health_text(report: HealthReport) -> str:
    waiting = report.failed_events.visible if report.failed_events else "?"
    state = "healthy" if report.healthy else "needs a look"
    return fallback(
        f"perfbot {report.versions['perfbot']} {state}: {report.errors} error(s) in the last hour, "
        f"{waiting} failed event(s) waiting"
    )
