"""GetMetricWidgetImage for moto: query the metric store and draw a real PNG graph with Pillow.

perfbot attaches these graphs to alarm messages, so the devstack must return an actual image of the actual
data: axes with time and value ticks, one line per metric in the CloudWatch palette, the title, a legend and
the horizontal annotations (e.g. the alarm threshold).
"""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime

from moto.cloudwatch.exceptions import InvalidParameterValue
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from PIL import Image, ImageDraw, ImageFont

from . import metric_query
from .metric_store import to_epoch
from .metrics import store_of
from .widget_spec import WidgetSpec, parse_widget

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
ANNOTATION_COLOR = "#d62728"
BACKGROUND = "#ffffff"
AXIS = "#545b64"
GRID = "#e9ebed"
Series = list[tuple[float, float]]


# A font with the punctuation titles use ("—", "–", "…"): Pillow's built-in Aileron draws them as missing-glyph boxes.
# DejaVu Sans comes with Debian (fonts-dejavu-core) and most Linux images; macOS has Arial Unicode.
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
)
ASCII_STAND_INS = {"—": "-", "–": "-", "…": "...", "×": "x", "→": "->"}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError):
        return ImageFont.load_default()


def has_glyph(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, char: str) -> bool:
    """False when ``font`` would draw ``char`` as its missing-glyph box (what it draws for the non-character U+FFFF)."""

    def pixels(text: str) -> bytes:
        image = Image.new("L", (64, 64))
        ImageDraw.Draw(image).text((8, 8), text, fill=255, font=font)
        return image.tobytes()

    return pixels(char) != pixels("\uffff")


def drawable(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    """``text`` with the characters ``font`` lacks replaced by ASCII stand-ins (never a box)."""
    return "".join(ASCII_STAND_INS.get(c, c) if c in ASCII_STAND_INS and not has_glyph(font, c) else c for c in text)


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _y_range(spec: WidgetSpec, series: list[Series]) -> tuple[float, float]:
    values = [v for s in series for _, v in s] + [a.value for a in spec.annotations]
    low = min([0.0, *values]) if spec.y_min is None else float(spec.y_min)
    high = (max(values) * 1.1 if values else 1.0) if spec.y_max is None else float(spec.y_max)
    if high <= low:
        high = low + 1.0
    return low, high


def _label(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:.4g}"


class _Canvas:
    """Maps data to pixels inside the plot area and draws on it."""

    def __init__(self, spec: WidgetSpec, y_range: tuple[float, float], legend_rows: int) -> None:
        self.spec = spec
        self.image = Image.new("RGB", (spec.width, spec.height), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)
        self.font = _font(11)
        top = 24 if spec.title else 8
        bottom = spec.height - 22 - 16 * legend_rows
        self.box = (min(56, spec.width // 4), top, max(spec.width - 12, 2), max(bottom, top + 2))
        self.low, self.high = y_range

    def x(self, t: float) -> float:
        left, _, right, _ = self.box
        return left + (t - self.spec.start) / (self.spec.end - self.spec.start) * (right - left)

    def y(self, v: float) -> float:
        _, top, _, bottom = self.box
        return bottom - (v - self.low) / (self.high - self.low) * (bottom - top)

    def axes(self) -> None:
        left, top, right, bottom = self.box
        step = _nice_step(self.high - self.low)
        tick = math.ceil(self.low / step) * step
        while tick <= self.high + 1e-9:
            y = self.y(tick)
            self.draw.line([(left, y), (right, y)], fill=GRID)
            self.draw.text((left - 4, y), _label(tick), fill=AXIS, font=self.font, anchor="rm")
            tick += step
        span = self.spec.end - self.spec.start
        t_step = next(s for s in (60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400, 604800) if span / s <= 6)
        t = math.ceil(self.spec.start / t_step) * t_step
        while t <= self.spec.end:
            text = datetime.fromtimestamp(t, tz=UTC).strftime("%H:%M" if t_step < 86400 else "%m/%d")
            self.draw.text((self.x(t), bottom + 4), text, fill=AXIS, font=self.font, anchor="mt")
            t += t_step
        self.draw.line([(left, top), (left, bottom), (right, bottom)], fill=AXIS)
        if self.spec.title:
            title_font = _font(13)
            self.draw.text((left, 6), drawable(self.spec.title, title_font), fill="#16191f", font=title_font)

    def series(self, points: Series, color: str) -> None:
        xy = [(self.x(t), self.y(v)) for t, v in points if self.spec.start <= t <= self.spec.end]
        if len(xy) == 1:
            x, y = xy[0]
            self.draw.ellipse([(x - 2, y - 2), (x + 2, y + 2)], fill=color)
        elif xy:
            self.draw.line(xy, fill=color, width=2, joint="curve")

    def annotation(self, value: float, label: str, color: str) -> None:
        left, _, right, _ = self.box
        y = self.y(value)
        for x in range(int(left), int(right), 10):
            self.draw.line([(x, y), (min(x + 6, right), y)], fill=color, width=1)
        if label:
            self.draw.text((right - 2, y - 2), label, fill=color, font=self.font, anchor="rb")

    def legend(self, entries: list[tuple[str, str]]) -> None:
        x, y = self.box[0], self.box[3] + 20
        for label, color in entries:
            width = int(self.draw.textlength(label, font=self.font)) + 24
            if x + width > self.spec.width and x > self.box[0]:
                x, y = self.box[0], y + 16
            self.draw.rectangle([(x, y + 2), (x + 9, y + 11)], fill=color)
            self.draw.text((x + 13, y), label, fill=AXIS, font=self.font)
            x += width


def render(spec: WidgetSpec, series: dict[str, Series]) -> bytes:
    colors = [line.color or PALETTE[i % len(PALETTE)] for i, line in enumerate(spec.lines)]
    legend_rows = 0 if spec.legend == "hidden" else max(1, math.ceil(len(spec.lines) * 140 / max(spec.width, 1)))
    canvas = _Canvas(spec, _y_range(spec, list(series.values())), legend_rows)
    canvas.axes()
    for annotation in spec.annotations:
        canvas.annotation(annotation.value, annotation.label, annotation.color or ANNOTATION_COLOR)
    for line, color in zip(spec.lines, colors, strict=True):
        canvas.series(series.get(line.query_id, []), color)
    if legend_rows:
        canvas.legend([(line.label, color) for line, color in zip(spec.lines, colors, strict=True)])
    out = io.BytesIO()
    canvas.image.save(out, format="PNG")
    return out.getvalue()


def get_metric_widget_image(self: CloudWatchResponse) -> ActionResult:
    params = self._get_params()
    output_format = str(params.get("OutputFormat") or "png")
    if output_format not in ("png", "image/png"):
        raise InvalidParameterValue(f"The value {output_format} for parameter OutputFormat is not supported.")
    spec = parse_widget(str(params.get("MetricWidget") or ""))
    request = {
        "StartTime": spec.start,
        "EndTime": spec.end,
        "MetricDataQueries": spec.queries,
        "ScanBy": "TimestampAscending",
    }
    results = metric_query.get_metric_data(store_of(self.cloudwatch_backend), request)
    series = {r["Id"]: [(to_epoch(t), v) for t, v in zip(r["Timestamps"], r["Values"], strict=True)] for r in results}
    return ActionResult({"MetricWidgetImage": render(spec, series)})


def apply() -> None:
    CloudWatchResponse.get_metric_widget_image = get_metric_widget_image  # type: ignore[attr-defined]
