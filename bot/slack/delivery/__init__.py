"""Delivery: how each capability's results reach Slack, one module per capability.

A capability defines its notifier Protocol (``AlarmNotifier`` in ``bot/alarms/notifier.py``, ``ReportNotifier`` in
``bot/reports/notifier.py`` …) and calls it; the module here named after the capability implements it with the shared
WebClient and :mod:`bot.slack.render`, builds the notifier the entry points use, and registers the capability's
scheduled tasks with it (``bot.schedule.TASK_MODULES``). Dependencies point one way: ``handlers`` → ``bot.slack`` →
capabilities.
"""
