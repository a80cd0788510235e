"""Analysis: metrics and live configuration in, guardrail-checked tuning recommendations out.

``analyzer.analyze(service)`` is the entry point; ``rules`` is the deterministic engine, ``bedrock`` the model path,
``guardrails`` decides what either may propose. Nothing here talks to Slack: ``bot.slack.delivery.analysis`` posts
the summaries and the cards.
"""
