"""P4 alarm storm and P7 peak memory of the alarm handler process (P5, the time to the post, is bench_alarm_post).

P4/P7: a separate process (only handlers.alarms, like the Lambda) takes 1,000 real-format notifications for 50 alarms
(10 flapping) spread over 60 s of SIMULATED time — state transitions only, as CloudWatch sends them (40 alarms fire,
recover and re-fire; 10 flap), each change delivered by SNS, EventBridge and the Lambda alarm action, plus SNS
redeliveries; the Slack emulator and embedded AWS run in this process.
Both share the simulated clock, so Slack's message timestamps show the posting rate a channel would see, while
processing runs as fast as it can in real time. P4 runs a third time through the latency model
(``PERFBOT_BENCH_LATENCY``, as P5), for information.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bench.stats import verdict

ALARMS, NOTIFICATIONS, FLAPPING, STORM_S = 50, 1000, 10, 60.0
FLAPPING_CHANGES = 21  # state changes of each flapping alarm; the others: ALARM, OK, ALARM (a re-fire)
SHAPES = ("sns", "eventbridge", "alarm_action")
LATENCY = os.environ.get("PERFBOT_BENCH_LATENCY", "slack=100ms,aws=5ms")  # a model of Slack and AWS in a region
CONCURRENCY = 4
LAMBDA_ATTEMPTS = 3  # an asynchronous invocation and Lambda's two retries
CHANNEL = "#perf-alerts"


def _definition(i: int) -> dict[str, Any]:
    return {
        "AlarmName": f"Storm-Latency-{i:02d}",
        "AlarmDescription": f"Synthetic alarm {i} of the storm benchmark.",
        "Namespace": "AWS/ApiGateway",
        "MetricName": "Latency",
        "Dimensions": [{"Name": "ApiName", "Value": "monitoring-api"}],
        "ExtendedStatistic": "p95",
        "Period": 60,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": 500.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }


def storm_schedule(start: float, seed: int = 7) -> list[tuple[float, dict[str, Any], str, str, str, str, float]]:
    """(arrival, alarm, state, previous, shape, message id) × 1,000: every state change by each of the three paths
    (EventBridge and the alarm action a moment after SNS), and SNS redeliveries of some changes to make up 1,000."""
    rng = random.Random(seed)
    changes = []
    for i in range(ALARMS):
        states = (
            ["ALARM" if k % 2 == 0 else "OK" for k in range(FLAPPING_CHANGES)]
            if i < FLAPPING
            else ["ALARM", "OK", "ALARM"]
        )
        times = sorted(start + rng.uniform(0, STORM_S) for _ in states)
        previous = "OK"
        for at, state in zip(times, states, strict=True):
            changes.append((at, _definition(i), state, previous))
            previous = state
    schedule = []
    for n, (at, definition, state, previous) in enumerate(changes):
        for k, shape in enumerate(SHAPES):
            message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"perfbot-storm-{n}-{shape}"))
            arrival = at + k * rng.uniform(0, 0.5)  # the same change (same StateChangeTime), a moment later
            schedule.append((arrival, definition, state, previous, shape, message_id, at))
    for n in rng.sample(range(len(changes)), NOTIFICATIONS - len(schedule)):  # SNS redeliveries (same message id)
        at, definition, state, previous = changes[n]
        message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"perfbot-storm-{n}-sns"))
        schedule.append((at + rng.uniform(1, 5), definition, state, previous, "sns", message_id, at))
    return sorted(schedule, key=lambda s: s[0])


def storm_event(
    definition: dict[str, Any], state: str, previous: str, at: float, shape: str, message_id: str
) -> dict[str, Any]:
    from devstack.alarm_events import alarm_action_event, alarm_message, eventbridge_event, sns_event

    message = alarm_message(definition, state, previous=previous, at=datetime.fromtimestamp(at, UTC), observed=812.0)
    if shape == "sns":
        return sns_event([message], message_ids=[message_id])
    if shape == "eventbridge":
        return eventbridge_event(message, observed=812.0, event_id=message_id)
    return alarm_action_event(message, observed=812.0)


class SharedClock:
    """Simulated time shared with the Slack emulator in the parent process (a multiprocessing double)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self) -> float:
        return float(self.value.value)

    def sleep(self, seconds: float) -> None:
        with self.value.get_lock():
            self.value.value += seconds

    def at_least(self, t: float) -> None:
        with self.value.get_lock():
            self.value.value = max(self.value.value, t)


def storm_worker(
    env: dict[str, str], shared: Any, start: float, cursor: Any, ready: Any, gate: Any, results: Any
) -> None:
    """One "Lambda container": import the handler, take storm notifications off the shared cursor, report outcomes,
    AWS round trips and peak RSS."""
    import sys

    os.environ.update(env)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 — Powertools metrics print EMF lines; keep the bench quiet
    import handlers.alarms
    from bot.alarms import service
    from bot.aws.clients import client
    from devstack.slack_requests import LambdaContext

    clock = SharedClock(shared)
    service.configure(clock=clock, sleep=clock.sleep)
    aws_calls = {"n": 0}
    operations: dict[str, int] = {}

    def count_call(model: Any, **_: Any) -> None:
        aws_calls["n"] += 1
        operations[model.name] = operations.get(model.name, 0) + 1

    for name in ("dynamodb", "cloudwatch"):  # count round trips to explain the throughput figure
        client(name, env.get("AWS_REGION")).meta.events.register("before-call", count_call)
    rss_after_import = peak_rss_mb()
    schedule = storm_schedule(start)
    events = [storm_event(d, s, p, changed, shape, mid) for (_, d, s, p, shape, mid, changed) in schedule]
    totals: dict[str, int] = {}
    context = LambdaContext(function_name="perfbot-dev-alarms", memory_limit_in_mb=128)
    with ready.get_lock():
        ready.value += 1
    gate.wait()
    cpu_started = time.process_time()
    while True:
        with cursor.get_lock():
            index = cursor.value
            cursor.value += 1
        if index >= len(events):
            break
        clock.at_least(schedule[index][0])
        for key, value in _invoke_as_lambda(handlers.alarms.handler, events[index], context).items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    peak = peak_rss_mb()
    results.put(
        {
            "cpu_s": time.process_time() - cpu_started,
            "totals": totals,
            "rss_mb": peak,
            "aws_calls": aws_calls["n"],
            "aws_operations": operations,
            "rss_import_mb": rss_after_import,
        }
    )


def _invoke_as_lambda(handler: Any, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """An asynchronous invocation as Lambda runs it: a failed one is retried twice, then it goes to the failed-events
    queue — here, counted as ``lost`` (never a crashed worker that the storm would wait for)."""
    for _ in range(LAMBDA_ATTEMPTS):
        try:
            return dict(handler(event, context))
        except Exception:  # any failure of the invocation: Lambda retries it
            continue
    return {"lost": len(event.get("Records", [event]))}


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not getrusage's ru_maxrss: on Linux a spawned child inherits the
    parent's peak at fork, which would charge the benchmark driver's memory to the handler."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_storm(env: dict[str, str], shared: Any, workers: int) -> dict[str, Any]:
    """Run the storm through ``workers`` handler processes at once (SNS invokes Lambda concurrently)."""
    ctx = multiprocessing.get_context("spawn")
    results, cursor, ready, gate = ctx.Queue(), ctx.Value("i", 0), ctx.Value("i", 0), ctx.Event()
    start = float(shared.value)
    processes = [
        ctx.Process(target=storm_worker, args=(env, shared, start, cursor, ready, gate, results))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    deadline = time.monotonic() + 300
    while ready.value < workers and time.monotonic() < deadline:  # imports and events built: start together
        time.sleep(0.05)
    began, cpu_began = time.perf_counter(), time.process_time()
    gate.set()
    reports = [results.get(timeout=900) for _ in processes]
    elapsed = time.perf_counter() - began
    server_cpu_s = time.process_time() - cpu_began  # this process: the embedded AWS (and the Slack emulator)
    for process in processes:
        process.join(timeout=60)
    totals: dict[str, int] = {}
    for report in reports:
        for key, value in report["totals"].items():
            totals[key] = totals.get(key, 0) + value
    return {
        "elapsed": elapsed,
        "totals": totals,
        "rss_mb": max(r["rss_mb"] for r in reports),
        "rss_import_mb": max(r["rss_import_mb"] for r in reports),
        "aws_calls": sum(r["aws_calls"] for r in reports),
        "handler_cpu_s": sum(r["cpu_s"] for r in reports),
        "server_cpu_s": server_cpu_s,
        "aws_operations": sum((Counter(r["aws_operations"]) for r in reports), Counter()),
        "sim_start": start,
        "sim_end": float(shared.value),
    }


def _posts_per_minute(emu: Any, channel: str) -> tuple[int, int]:
    """(all posts, the most in any 60 s window) — top-level messages, thread replies and file shares alike."""
    stamps = []
    for message in emu.messages(channel):
        stamps.append(float(message.ts))
        stamps += [float(r.ts) for r in emu.replies(channel, message.ts) if r.ts != message.ts]
    stamps.sort()
    busiest, left = 0, 0
    for right, t in enumerate(stamps):
        while t - stamps[left] >= 60:
            left += 1
        busiest = max(busiest, right - left + 1)
    return len(stamps), busiest


def _storm(stack: Any, shared: Any, workers: int) -> tuple[dict[str, Any], int, int, int]:
    """One storm against a fresh Slack emulator on the simulated clock: (outcome, posts, busiest minute, edits)."""
    from bot.bootstrap import bootstrap
    from bot.settings import get_settings
    from devstack.slack import SlackEmulator
    from devstack.stack import add_workspace_channels

    stack.aws.reset()
    bootstrap(get_settings())
    sim_clock = lambda: float(shared.value)  # noqa: E731 - Slack's clock and the one its rate limits count in
    emu = SlackEmulator(bot_token="xoxb-perfbot-local", clock=sim_clock, rate_clock=sim_clock).start()
    add_workspace_channels(emu)  # the strict emulator knows only the channels a workspace has
    try:
        env = {
            **stack.env,
            **stack.function_env("alarms"),  # the worker is the alarms function: its role's credentials
            "SLACK_API_URL": emu.api_url,
            "SLACK_BOT_TOKEN": "xoxb-perfbot-local",
            "SLACK_SIGNING_SECRET": "bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        outcome = run_storm(env, shared, workers)
        posts, busiest = _posts_per_minute(emu, CHANNEL)
        return outcome, posts, busiest, emu.calls["chat.update"]
    finally:
        emu.stop()


def _breakdown(totals: dict[str, int]) -> str:
    kinds = ["posted", "threaded", "resolved", "flapping", "grouped", "suppressed", "counted", "duplicate", "rejected"]
    kinds += ["failed", "lost"]
    return ", ".join(f"{k} {totals[k]}" for k in kinds if totals.get(k))


def _storm_lines(stack: Any, shared: Any) -> list[str]:
    outcome, posts, busiest, edits = _storm(stack, shared, workers=1)
    totals = outcome["totals"]
    share = totals.get("accounted", 0) / NOTIFICATIONS
    rate = NOTIFICATIONS / outcome["elapsed"]
    sim_span = outcome["sim_end"] - outcome["sim_start"]
    shared.value = time.time()
    wide, _, wide_busiest, _ = _storm(stack, shared, workers=CONCURRENCY)
    wide_rate = NOTIFICATIONS / wide["elapsed"]
    wide_share = wide["totals"].get("accounted", 0) / NOTIFICATIONS
    requests = outcome["aws_calls"] / NOTIFICATIONS
    handler_ms = outcome["handler_cpu_s"] * 1000 / NOTIFICATIONS
    return [
        f"P4 alarm storm: {NOTIFICATIONS} notifications (state transitions by SNS, EventBridge and the alarm action, "
        f"plus SNS redeliveries), {ALARMS} alarms ({FLAPPING} flapping), {STORM_S:.0f} s simulated, one handler",
        f"   Slack posts in {CHANNEL}: busiest 60 s window {busiest} (goal ≤ 60, {verdict(busiest, 60)}); "
        f"{posts} posts + {edits} edits in total, all done at +{sim_span:.0f} s simulated",
        f"   accounted for {share:.1%} (goal 100 %, {'meets goal' if share == 1 else 'MISSES goal'}): "
        + _breakdown(totals),
        f"   AWS requests per notification {requests:.2f} (goal ≤ 2.0, {verdict(requests, 2.0)}): "
        + ", ".join(
            f"{op} {n / NOTIFICATIONS:.2f}"
            for op, n in sorted(outcome["aws_operations"].items(), key=lambda kv: -kv[1])
        ),
        f"   handler CPU per notification {handler_ms:.1f} ms (goal ≤ 3.5 ms, {verdict(handler_ms, 3.5)})",
        f"   for information: {rate:.0f} notifications/s through the embedded AWS ({outcome['elapsed']:.1f} s real)",
        *_cpu_lines(outcome),
        f"   with {CONCURRENCY} handler processes at once (Lambda concurrency): {wide_rate:.0f} notifications/s, "
        f"accounted {wide_share:.1%}, busiest 60 s window {wide_busiest} posts; embedded AWS busy "
        f"{wide['server_cpu_s'] / wide['elapsed']:.0%} of one core ({wide['server_cpu_s'] * 1000 / NOTIFICATIONS:.1f} "
        "ms per notification)",
        f"P7 peak RSS of the handler process through the storm: {outcome['rss_mb']:.0f} MB (goal ≤ 128 MB, "
        f"{verdict(outcome['rss_mb'], 128)}); {outcome['rss_import_mb']:.0f} MB after imports",
    ]


def _storm_latency_lines(stack: Any, shared: Any) -> list[str]:
    """P4 once more with Slack and AWS as far away as in a region (the latency model): what the storm costs in wall
    time when each AWS request and Slack call waits, and that pacing and accounting still hold. For information."""
    from devstack import latency

    shared.value = time.time()
    latency.configure(LATENCY)
    try:
        outcome, _, busiest, _ = _storm(stack, shared, workers=CONCURRENCY)
    finally:
        latency.configure(None)
    share = outcome["totals"].get("accounted", 0) / NOTIFICATIONS
    per_notification_ms = outcome["elapsed"] * CONCURRENCY * 1000 / NOTIFICATIONS
    return [
        f"   through the latency model ({LATENCY}), {CONCURRENCY} handler processes: "
        f"{NOTIFICATIONS / outcome['elapsed']:.0f} notifications/s ({per_notification_ms:.0f} ms of a handler's wall "
        f"time each), accounted {share:.1%}, busiest 60 s window {busiest} posts (goal ≤ 60, {verdict(busiest, 60)}), "
        f"{outcome['aws_calls'] / NOTIFICATIONS:.2f} AWS requests per notification"
        + (f"; {_breakdown(outcome['totals'])}" if share < 1 else ""),
    ]


def _cpu_lines(outcome: dict[str, Any]) -> list[str]:
    """Where the time goes: CPU per notification in the handler process and in the embedded AWS, and the ceilings
    they set (one process cannot go faster than its own CPU allows; the embedded AWS is one Python process)."""
    handler_ms = outcome["handler_cpu_s"] * 1000 / NOTIFICATIONS
    server_ms = outcome["server_cpu_s"] * 1000 / NOTIFICATIONS
    per_trip = outcome["server_cpu_s"] * 1000 / max(outcome["aws_calls"], 1)
    return [
        f"   CPU per notification: handler process {handler_ms:.1f} ms, embedded AWS + Slack emulator "
        f"{server_ms:.1f} ms ({per_trip:.2f} ms per AWS request); ceilings on this machine: one handler process ≤ "
        f"{1000 / handler_ms:.0f}/s, the embedded AWS (one Python process) ≤ {1000 / server_ms:.0f}/s",
    ]


def run() -> list[str]:
    from bot.bootstrap import bootstrap
    from bot.settings import get_settings
    from devstack.stack import Devstack

    shared = multiprocessing.get_context("spawn").Value("d", time.time())
    lines: list[str] = []
    with Devstack(with_slack=False) as aws_only:
        bootstrap(get_settings())
        lines += _storm_lines(aws_only, shared)
        p7 = lines.pop()  # P7 stays last of the storm's lines
        lines += [*_storm_latency_lines(aws_only, shared), p7]
    return lines


if __name__ == "__main__":
    for line in run():
        print(line, flush=True)
