"""The report's charts, drawn with reportlab's own graphics (vector, no image library, no browser)."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from tenants.reports.data import DayFigures, NetworkFigures
from tenants.reports.texts import network_name, number, short_day, word

WIDTH, HEIGHT = 480, 170
GREY = colors.HexColor("#868e96")
LIGHT = colors.HexColor("#dee2e6")


def _empty(locale: str, font: str) -> Drawing:
    drawing = Drawing(WIDTH, 40)
    drawing.add(String(0, 15, word("no_data", locale), fontName=font, fontSize=9, fillColor=GREY))
    return drawing


def _tick_step(count: int) -> int:
    """Show at most ~10 day labels, whatever the period's length."""
    return max(1, -(-count // 10))


def follower_trend(days: list[DayFigures], *, locale: str, color: colors.Color, font: str) -> Drawing:
    """Total followers at the end of each day, where measured."""
    points = [(i, d.followers) for i, d in enumerate(days) if d.followers is not None]
    if not points:
        return _empty(locale, font)
    drawing = Drawing(WIDTH, HEIGHT)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 45, 25, WIDTH - 60, HEIGHT - 40
    plot.data = [points]
    plot.lines[0].strokeColor = color
    plot.lines[0].strokeWidth = 2
    plot.lines[0].symbol = makeMarker("FilledCircle", size=3, fillColor=color, strokeColor=color)
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = max(len(days) - 1, 1)
    step = _tick_step(len(days))
    plot.xValueAxis.valueSteps = list(range(0, len(days), step))
    plot.xValueAxis.labelTextFormat = lambda i: (
        short_day(days[int(i)].day, locale) if 0 <= i < len(days) else ""
    )
    values = [v for _, v in points]
    low, high = min(values), max(values)
    pad = max(1, round((high - low) * 0.1))
    plot.yValueAxis.valueMin = max(0, low - pad)
    plot.yValueAxis.valueMax = high + pad
    plot.yValueAxis.labelTextFormat = lambda v: number(v, locale)
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = LIGHT
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = font
        axis.labels.fontSize = 7
        axis.strokeColor = GREY
    drawing.add(plot)
    return drawing


def daily_activity(days: list[DayFigures], *, locale: str, color: colors.Color, font: str) -> Drawing:
    """Impressions and engagements gained each day, side by side (a day not measured shows no bar)."""
    if all(d.impressions is None and d.engagements is None for d in days):
        return _empty(locale, font)
    drawing = Drawing(WIDTH, HEIGHT + 20)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 45, 40, WIDTH - 60, HEIGHT - 40
    # reportlab draws None as no bar: "not available" stays visibly different from a real zero.
    chart.data = [[d.impressions for d in days], [d.engagements for d in days]]
    step = _tick_step(len(days))
    chart.categoryAxis.categoryNames = [
        short_day(d.day, locale) if i % step == 0 else "" for i, d in enumerate(days)
    ]
    chart.bars[0].fillColor = colors.HexColor("#adb5bd")
    chart.bars[1].fillColor = color
    chart.bars.strokeColor = None
    chart.groupSpacing = 4
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda v: number(v, locale)
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = LIGHT
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = font
        axis.labels.fontSize = 7
        axis.strokeColor = GREY
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 45, 12
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 8
    legend.colorNamePairs = [
        (colors.HexColor("#adb5bd"), word("impressions_legend", locale)),
        (color, word("engagements_legend", locale)),
    ]
    legend.deltax = 120
    drawing.add(legend)
    return drawing


def network_engagements(
    networks: list[NetworkFigures], *, locale: str, color: colors.Color, font: str
) -> Drawing:
    """Engagements per network over the period (networks that measured none are left out)."""
    measured = [n for n in networks if n.engagements is not None]
    if not measured:
        return _empty(locale, font)
    height = 30 + 22 * len(measured)
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 80, 20, WIDTH - 110, height - 30
    chart.data = [[n.engagements for n in measured]]
    chart.categoryAxis.categoryNames = [network_name(n.network) for n in measured]
    chart.bars[0].fillColor = color
    chart.bars.strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda v: number(v, locale)
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = font
        axis.labels.fontSize = 8
        axis.strokeColor = GREY
    drawing.add(chart)
    return drawing
