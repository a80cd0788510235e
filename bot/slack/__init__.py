"""perfbot's Slack side: the Bolt app, its listeners, the one Block Kit renderer and the delivery of each capability's
results. It depends on the capabilities; no capability imports it (``make lint`` checks the import contracts).
"""
