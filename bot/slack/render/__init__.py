"""The one place that turns perfbot's findings into Block Kit.

Every module of this package builds blocks through :mod:`bot.slack.render.kit`, which escapes outside text and
enforces Slack's size limits, so no message perfbot posts can be rejected for its size or carry a stray mention.
"""
