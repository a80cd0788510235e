"""Alarm notifications: CloudWatch alarm → one clear Slack message per incident (see docs/alarms.md)."""
