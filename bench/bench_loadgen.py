"""P8 — the load generator's own overhead: achieved vs requested request rate, and the latency it adds at p50,
against a trivial local endpoint (an aiohttp server in its own process, so it does not share the generator's GIL).

Added latency = the generator's p50 (measured from each request's scheduled instant) − the p50 of a bare
keep-alive http.client round trip to the same endpoint, one request at a time.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time

from bench.stats import percentile
from bot.loadtest.engine import LoadGenerator, Phase, Request

RATES = (100, 250, 500)
SECONDS = 4
RATE_GOAL = 0.95
ADDED_P50_GOAL_MS = 1.0
SERVER = """
import sys
from aiohttp import web

async def ok(_request):
    return web.Response(text="ok")

app = web.Application()
app.router.add_get("/health", ok)
runner = web.AppRunner(app, access_log=None)
import asyncio
async def main():
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def _bare_p50(port: int, rounds: int = 2000) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        connection.request("GET", "/health")
        connection.getresponse().read()
        samples.append((time.perf_counter() - start) * 1000)
    connection.close()
    return percentile(samples[200:], 50)


def run() -> list[str]:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        bare = _bare_p50(port)
        generator = LoadGenerator(f"http://127.0.0.1:{port}")
        load = os.getloadavg()[0]
        lines = [
            f"P8 load generator overhead vs a trivial local endpoint (bare http.client p50 {bare:.3f} ms; "
            f"load average {load:.1f} on {os.cpu_count()} cores — lag and added latency grow with it)"
        ]
        for rate in RATES:
            phase = Phase(f"{rate}/s", float(rate), rate * SECONDS, lambda _: Request("GET", "/health"), SECONDS + 5)
            result = generator.run(phase)
            reached = result.achieved_rate / rate
            added = result.p50_ms - bare
            ok = reached >= RATE_GOAL and added <= ADDED_P50_GOAL_MS
            lines.append(
                f"   {rate:>4} req/s requested: {result.achieved_rate:7.1f} achieved ({reached:.1%}, goal ≥ 95 %), "
                f"p50 {result.p50_ms:.3f} ms (+{added:.3f} ms, goal ≤ {ADDED_P50_GOAL_MS} ms), "
                f"p99 {result.p99_ms:.3f} ms, "
                f"scheduling lag p50 {result.send_lag_p50_ms:.3f} ms,"
                f" {result.dropped} dropped, {result.transport_errors} failed → {'meets goal' if ok else 'MISSES goal'}"
            )
        return lines
    finally:
        server.terminate()
        server.wait(timeout=10)
