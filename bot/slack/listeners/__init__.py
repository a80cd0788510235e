"""Bolt listeners. Each module exposes ``register(app)``; ``LISTENER_MODULES`` is the list the app loads.

Capabilities add their module here. Listener modules are on the ack path: import AWS gateways, pydantic models and
settings inside the lazy functions, not at module level (cold start is measured in ``make bench``, P2).
"""

from __future__ import annotations

LISTENER_MODULES = [
    "bot.slack.listeners.modals",  # before perf: a bare `/perf maintenance` opens a modal instead of running
    "bot.slack.listeners.perf",
    "bot.slack.listeners.reports",
    "bot.slack.listeners.changes",
    "bot.slack.listeners.alarms",
    "bot.slack.listeners.analysis",
    "bot.slack.listeners.home",
    "bot.slack.listeners.loadtest",
    "bot.slack.listeners.health",
]
