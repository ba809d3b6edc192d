"""A horizontal bar chart of theme scores as geometry for an SVG template (no script, prints)."""
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 220
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 18
TOP = 28
MAX_SCORE = 5


@dataclass
class Bar:
    series: int  # 0 = this gemeente, 1 = peer group, 2 = all gemeenten
    value: float
    y: int
    width: float


@dataclass
class Row:
    title: str
    y: int
    bars: list[Bar]


@dataclass
class Chart:
    rows: list[Row]
    height: int
    plot_x: int
    plot_width: int
    ticks: list[tuple[int, float]]


def bar_chart(themes, series: list[dict | None]) -> Chart:
    """`series` are theme id -> score maps (or None for a series that is not shown)."""
    plot_width = WIDTH - LABEL_WIDTH - 20
    shown = [(index, values) for index, values in enumerate(series) if values is not None]
    rows, y = [], TOP
    for theme in themes:
        bars = []
        for position, (index, values) in enumerate(shown):
            value = values.get(theme.id)
            if value is None:
                continue
            bars.append(Bar(index, value, y + position * (BAR_HEIGHT + BAR_GAP),
                            round(plot_width * value / MAX_SCORE, 1)))
        rows.append(Row(theme.title, y, bars))
        y += len(shown) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    ticks = [(n, LABEL_WIDTH + plot_width * n / MAX_SCORE) for n in range(MAX_SCORE + 1)]
    return Chart(rows, y, LABEL_WIDTH, plot_width, ticks)
