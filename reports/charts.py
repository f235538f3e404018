"""Charts drawn on the server as SVG geometry, for templates/reports/_chart_*.html.

No colour carries meaning alone: every bar has its value written beside it, sentiment
segments have a pattern each (hatched, plain, dotted) and a legend, and every chart has
its table. Colours and patterns are classes styled in static/css/reports.css (the page's
CSP forbids inline styles).
"""

from dataclasses import dataclass, field

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 110
ROW = 26
BAR = 16
COLUMN_HEIGHT = 160
COLUMN_LABELS_UP_TO = 31  # more columns than this: the table beside carries the values


LABEL_CHARS = 28  # longer names are cut in the chart; the table beside has them whole


def short(label) -> str:
    label = str(label)
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


@dataclass
class Bar:
    label: str
    value_label: str
    x: float
    y: float
    width: float
    height: float
    css: str = ""
    text_x: float = 0
    text_y: float = 0


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[Bar] = field(default_factory=list)  # row or column labels (only text)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, text)
    axis_y: float = 0
    kind: str = "bars"  # bars, stacked or columns: how values are placed (reports.css)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def horizontal(title: str, rows: list[tuple[str, float, str]], css: str = "bar") -> Chart:
    """One bar a row: (label, value, value as written)."""
    top = max((value for _label, value, _text in rows), default=0) or 1
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    chart = Chart(title, WIDTH, max(ROW, ROW * len(rows)) + 4)
    for n, (label, value, text) in enumerate(rows):
        y = n * ROW + (ROW - BAR) / 2
        width = round(area * max(value or 0, 0) / top, 1)
        chart.labels.append(
            Bar(short(label), "", 0, y, 0, BAR, text_x=LABEL_WIDTH - 8, text_y=y + 12)
        )
        chart.bars.append(
            Bar(label, text, LABEL_WIDTH, y, width, BAR, css, LABEL_WIDTH + width + 6, y + 12)
        )
    return chart


SENTIMENT_PARTS = [
    ("negative", "bar--negative"),
    ("neutral", "bar--neutral"),
    ("positive", "bar--positive"),
]


def stacked(title: str, rows: list[dict], legend: list[tuple[str, str]]) -> Chart:
    """Sentiment shares, one 100 % bar a row (rows with the *_share figures)."""
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    chart = Chart(title, WIDTH, max(ROW, ROW * len(rows)) + 4, legend=legend, kind="stacked")
    for n, row in enumerate(rows):
        y = n * ROW + (ROW - BAR) / 2
        chart.labels.append(
            Bar(short(row["label"]), "", 0, y, 0, BAR, text_x=LABEL_WIDTH - 8, text_y=y + 12)
        )
        x = LABEL_WIDTH
        for key, css in SENTIMENT_PARTS:
            part = row.get(f"{key}_share") or 0
            width = round(area * part / 100, 1)
            text = f"{part:g} %" if width >= 34 else ""
            chart.bars.append(Bar(key, text, x, y, width, BAR, css, x + width / 2, y + 12))
            x += width
        chart.bars.append(Bar("total", str(row["total"]), x, y, 0, 0, "bar--total", x + 6, y + 12))
    return chart


def columns(title: str, points: list[tuple[str, float, str]]) -> Chart:
    """One column a day or week: (label, value, value as written)."""
    count = max(1, len(points))
    area = WIDTH - 40
    step = area / count
    width = max(2.0, round(step * 0.7, 1))
    top = max((value for _label, value, _text in points), default=0) or 1
    base = COLUMN_HEIGHT + 20
    chart = Chart(title, WIDTH, base + 30, axis_y=base, kind="columns")
    every = max(1, count // 8)  # about eight dates under the axis
    for n, (label, value, text) in enumerate(points):
        height = round(COLUMN_HEIGHT * (value or 0) / top, 1)
        x = 20 + n * step + (step - width) / 2
        shown = text if count <= COLUMN_LABELS_UP_TO else ""
        chart.bars.append(
            Bar(
                label,
                shown,
                x,
                base - height,
                width,
                height,
                "bar",
                x + width / 2,
                base - height - 4,
            )
        )
        if n % every == 0:
            chart.labels.append(
                Bar(label, "", x, base, 0, 0, text_x=x + width / 2, text_y=base + 16)
            )
    return chart
