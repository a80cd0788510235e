"""perfbot: Slack ChatOps for serverless APIs on AWS."""

# The one place the release is named: pyproject.toml reads it (setuptools `attr:`), `perfbot --version` prints it,
# `/perf health` shows it, and the Lambda artifact (which copies bot/ rather than installing the wheel) carries it.
__version__ = "0.1.0"
