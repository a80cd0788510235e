"""CloudWatch beyond moto: percentiles and metric math in GetMetricData, statistic sets and raw values in
PutMetricData (``metrics``), composite alarms, DescribeAlarms filters and alarm evaluation (``alarms``), Lambda
alarm actions run on state transitions (``alarm_actions``), and GetMetricWidgetImage as a real PNG
(``widget_image``)."""

from __future__ import annotations


def apply() -> None:
    from . import alarm_actions, alarms, metrics, widget_image

    metrics.apply()
    alarms.apply()
    alarm_actions.apply()
    widget_image.apply()
