"""GetMetricWidgetImage on the embedded AWS returns a real PNG of the stored data."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from devstack.aws.cloudwatch.widget_spec import parse_widget

NS = "AWS/ApiGateway"
RED = (255, 0, 0)
GREEN = (0, 160, 0)


def _put_latency(cloudwatch: Any, now: datetime) -> None:
    data = [
        {
            "MetricName": "Latency",
            "Dimensions": [{"Name": "ApiName", "Value": "monitoring-api"}],
            "Timestamp": now - timedelta(minutes=m),
            "Values": [50.0 + m, 80.0 + m, 400.0],
            "Counts": [30, 10, 1],  # p95 (nearest rank 39 of 41) is 80 + m
        }
        for m in range(1, 60)
    ]
    cloudwatch.put_metric_data(Namespace=NS, MetricData=data)


def _widget(**extra: Any) -> str:
    doc = {
        "metrics": [
            [NS, "Latency", "ApiName", "monitoring-api", {"stat": "p95", "label": "p95", "color": "#ff0000"}],
            [".", ".", ".", ".", {"stat": "Average", "label": "avg"}],
        ],
        "period": 60,
        "start": "-PT3H",
        "end": "-PT0H",
        "width": 640,
        "height": 320,
        "title": "API latency",
        "annotations": {"horizontal": [{"value": 300, "label": "SLO", "color": "#00a000"}]},
        **extra,
    }
    return json.dumps(doc)


def test_widget_image_is_a_png_of_the_data(cloudwatch: Any) -> None:
    _put_latency(cloudwatch, datetime.now(UTC))
    png = cloudwatch.get_metric_widget_image(MetricWidget=_widget())["MetricWidgetImage"]

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (640, 320)
    pixels = image.load()
    assert pixels is not None
    plot_rows = range(30, 270)  # below the title, above the time axis and the legend
    red = [(x, y) for x in range(640) for y in plot_rows if pixels[x, y] == RED]
    # the p95 line covers only the last hour of a 3 h window: it is drawn in the right third, sloping down
    assert red
    assert min(x for x, _ in red) > 640 * 0.6
    left_end = [y for x, y in red if x < min(x for x, _ in red) + 5]
    right_end = [y for x, y in red if x > max(x for x, _ in red) - 5]
    assert min(left_end) < min(right_end)  # older minutes have the higher p95
    green = [(x, y) for x in range(640) for y in plot_rows if pixels[x, y] == GREEN]
    assert len({x for x, _ in green}) > 200  # the SLO annotation runs across the plot
    assert len({y for x, y in green if 100 < x < 500}) <= 2  # ... as a horizontal line (label excluded)


def test_widget_without_data_still_renders(cloudwatch: Any) -> None:
    png = cloudwatch.get_metric_widget_image(MetricWidget=json.dumps({"metrics": [[NS, "Count"]]}))
    image = Image.open(io.BytesIO(png["MetricWidgetImage"]))
    assert image.size == (600, 400)  # the documented defaults


@pytest.mark.parametrize(
    "widget",
    ["{not json", json.dumps({"metrics": []}), json.dumps({"metrics": [[NS]]}), _widget(width=5000)],
)
def test_invalid_widgets_are_rejected(cloudwatch: Any, widget: str) -> None:
    with pytest.raises(ClientError) as err:
        cloudwatch.get_metric_widget_image(MetricWidget=widget)
    assert err.value.response["Error"]["Code"] == "InvalidParameterInput"


def test_only_png_output(cloudwatch: Any) -> None:
    with pytest.raises(ClientError) as err:
        cloudwatch.get_metric_widget_image(MetricWidget=_widget(), OutputFormat="jpeg")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_spec_parsing_repeat_shorthand_and_expressions() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp()
    spec = parse_widget(
        json.dumps(
            {
                "metrics": [
                    ["AWS/Lambda", "Errors", "FunctionName", "monitoring-api-dev", {"id": "errors", "visible": False}],
                    [".", "Invocations", ".", ".", {"id": "calls", "visible": False}],
                    [{"expression": "100 * errors / calls", "label": "Error rate", "id": "rate"}],
                ],
                "stat": "Sum",
                "start": "-P1DT2H",
            }
        ),
        now=now,
    )
    assert spec.start == now - 26 * 3600
    assert spec.end == now
    calls = spec.queries[1]["MetricStat"]
    assert calls["Metric"] == {
        "Namespace": "AWS/Lambda",
        "MetricName": "Invocations",
        "Dimensions": [{"Name": "FunctionName", "Value": "monitoring-api-dev"}],
    }
    assert (calls["Stat"], calls["Period"]) == ("Sum", 300)
    assert [line.label for line in spec.lines] == ["Error rate"]
    assert spec.queries[2] == {"Id": "rate", "ReturnData": True, "Expression": "100 * errors / calls", "Period": 300}


def test_graph_titles_never_show_a_missing_glyph_box() -> None:
    from PIL import ImageFont

    from devstack.aws.cloudwatch.widget_image import _font, drawable, has_glyph

    title = "API-HighLatency-P95 — metric and threshold"
    font = _font(13)
    assert all(has_glyph(font, c) for c in drawable(title, font) if not c.isspace())  # was a box for "—"
    builtin = ImageFont.load_default(size=13)  # Pillow's own font lacks "—": an ASCII stand-in, not a box
    assert not has_glyph(builtin, "—") and drawable(title, builtin) == "API-HighLatency-P95 - metric and threshold"
