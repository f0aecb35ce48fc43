"""Charts drawn on the server as SVG, so the browser and the PDF show the same picture.

Each chart carries a <title> and <desc> for screen readers and is always shown with a
data table beside it (the template's job). Text is escaped; colours come with a
pattern or a label so meaning never rests on colour alone.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

# GOV.UK palette colours with at least 3:1 contrast against white.
PALETTE = ["#1d70b8", "#0b0c0c", "#d4351c", "#00703c", "#6f72af", "#b58840"]
RAG_COLOURS = {
    "red": "#d4351c",
    "amber": "#b25c00",
    "green": "#00703c",
    "complete": "#1d70b8",
    "not_started": "#505a5f",
}
DASHES = ["", "6 4", "2 3", "10 3 2 3", "1 5", "8 8"]


@dataclass
class Series:
    name: str
    values: list  # one per category; None where there is no value
    dashed: bool = False


@dataclass
class LineChart:
    title: str
    description: str
    categories: list[str]
    series: list[Series] = field(default_factory=list)
    width: int = 640
    height: int = 320
    unit_suffix: str = ""

    def svg(self) -> str:
        # The legend column fits the longest series name.
        left, top, bottom = 56, 20, 40
        right = 64 + 7 * max((len(series.name) for series in self.series), default=8)
        plot_w, plot_h = self.width - left - right, self.height - top - bottom
        values = [float(v) for s in self.series for v in s.values if v is not None]
        low, high = _nice_range(min(values, default=0), max(values, default=1))
        count = max(len(self.categories), 1)

        def x(index):
            return left + (plot_w * (index + 0.5) / count)

        def y(value):
            return top + plot_h - (float(value) - low) / (high - low or 1) * plot_h

        parts = [_open(self.width, self.height, self.title, self.description)]
        for tick in _ticks(low, high):
            parts.append(
                f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#b1b4b6" stroke-width="1"/>'
                f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12">{_number(tick)}{escape(self.unit_suffix)}</text>'
            )
        for index, category in enumerate(self.categories):
            parts.append(
                f'<text x="{x(index):.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="12">{escape(category)}</text>'
            )
        for number, series in enumerate(self.series):
            colour = PALETTE[number % len(PALETTE)]
            dash = DASHES[number % len(DASHES)]
            points = [(x(i), y(v)) for i, v in enumerate(series.values) if v is not None]
            if len(points) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="3" stroke-dasharray="{dash}" points="{path}"/>'
                )
            for px, py in points:
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}"/>')
            legend_y = top + 16 + number * 22
            parts.append(
                f'<line x1="{left + plot_w + 14}" x2="{left + plot_w + 44}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
                f'stroke="{colour}" stroke-width="3" stroke-dasharray="{dash}"/>'
                f'<text x="{left + plot_w + 50}" y="{legend_y}" font-size="13">{escape(series.name)}</text>'
            )
        parts.append("</svg>")
        return "".join(parts)


@dataclass
class StackedBar:
    """One horizontal bar per row, split into segments (e.g. RAG counts per ambition)."""

    title: str
    description: str
    rows: list[tuple[str, dict[str, int]]]
    keys: list[tuple[str, str]]  # (key, label) in order
    colours: dict[str, str] = field(default_factory=lambda: dict(RAG_COLOURS))
    width: int = 640

    def svg(self) -> str:
        # The label column fits the longest label (about 7 units a character at 13 px).
        label_w = 16 + 7 * max((len(label) for label, _ in self.rows), default=10)
        bar_h, gap, top = 22, 12, 10
        plot_w = self.width - label_w - 20
        legend_lines, x = 1, label_w
        for _, label in self.keys:
            if x + 22 + 7 * len(label) > self.width:
                legend_lines, x = legend_lines + 1, label_w
            x += 22 + 7 * len(label)
        height = top + len(self.rows) * (bar_h + gap) + 20 + 20 * legend_lines
        biggest = max((sum(counts.values()) for _, counts in self.rows), default=1) or 1
        parts = [_open(self.width, height, self.title, self.description)]
        for index, (label, counts) in enumerate(self.rows):
            y = top + index * (bar_h + gap)
            parts.append(
                f'<text x="{label_w - 8}" y="{y + bar_h - 6}" text-anchor="end" font-size="13">{escape(label)}</text>'
            )
            x = label_w
            for key, _ in self.keys:
                count = counts.get(key, 0)
                if not count:
                    continue
                w = plot_w * count / biggest
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{self.colours.get(key, "#505a5f")}" '
                    f'stroke="#ffffff" stroke-width="1"/>'
                )
                if w > 18:
                    parts.append(
                        f'<text x="{x + w / 2:.1f}" y="{y + bar_h - 6}" text-anchor="middle" font-size="12" '
                        f'fill="#ffffff">{count}</text>'
                    )
                x += w
        # The legend wraps onto as many lines as it needs within the chart's width.
        legend_y, x = top + len(self.rows) * (bar_h + gap) + 16, label_w
        for key, label in self.keys:
            item_w = 22 + 7 * len(label)
            if x + item_w > self.width:
                legend_y, x = legend_y + 20, label_w
            parts.append(
                f'<rect x="{x}" y="{legend_y - 11}" width="12" height="12" fill="{self.colours.get(key, "#505a5f")}"/>'
                f'<text x="{x + 16}" y="{legend_y}" font-size="12">{escape(label)}</text>'
            )
            x += item_w
        parts.append("</svg>")
        return "".join(parts)


def _open(width, height, title, description) -> str:
    # Ids unique per chart (several charts share a page), and the same on every render.
    ident = "chart-" + hashlib.sha1(f"{title}|{description}".encode(), usedforsecurity=False).hexdigest()[:10]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" font-family="Arial, Helvetica, sans-serif">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>'
    )


def _nice_range(low: float, high: float) -> tuple[float, float]:
    low = min(low, 0) if low >= 0 else low
    if high == low:
        high = low + 1
    step = _step(high - low)
    return (low // step) * step, -(-high // step) * step


def _step(span: float) -> float:
    raw = span / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _ticks(low: float, high: float) -> list[float]:
    step = _step(high - low)
    ticks, value = [], low
    while value <= high + step / 1000:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _number(value) -> str:
    value = Decimal(str(value))
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.1f}"
