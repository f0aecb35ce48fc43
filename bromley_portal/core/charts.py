"""Charts drawn on the server as SVG, so the browser and the PDF show the same picture.

Each chart carries a <title> and <desc> for screen readers and is always shown with a
data table beside it (the template's job). Text is escaped. Meaning never rests on
colour alone (WCAG 1.4.1), on screen or printed in black and white: a bar's segments
have a fill pattern as well as a colour, and a line has a dash and a marker shape.
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
# A line chart's series differ by colour, dash and marker shape, so they differ in greyscale too.
MARKERS = ["circle", "square", "triangle", "diamond", "triangle-down", "cross"]


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
            marker = MARKERS[number % len(MARKERS)]
            for px, py in points:
                parts.append(_marker(marker, px, py, colour, number))
            legend_y = top + 16 + number * 22
            parts.append(
                f'<line x1="{left + plot_w + 14}" x2="{left + plot_w + 44}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
                f'stroke="{colour}" stroke-width="3" stroke-dasharray="{dash}"/>'
                + _marker(marker, left + plot_w + 29, legend_y - 4, colour, number)
                + f'<text x="{left + plot_w + 50}" y="{legend_y}" font-size="13">{escape(series.name)}</text>'
            )
        parts.append("</svg>")
        return "".join(parts)


@dataclass
class StackedBar:
    """One horizontal bar per row, split into segments (e.g. RAG counts per ambition).

    Each key has a fill pattern as well as its colour (see ``PATTERNS``), chosen by its
    position in ``keys`` unless ``patterns`` names one, so the segments still differ when
    printed in black and white. The legend's swatches use the same fills. A segment wide
    enough for its count is labelled with it, and each bar ends with its total.
    """

    title: str
    description: str
    rows: list[tuple[str, dict[str, int]]]
    keys: list[tuple[str, str]]  # (key, label) in order
    colours: dict[str, str] = field(default_factory=lambda: dict(RAG_COLOURS))
    width: int = 640
    patterns: dict[str, str] | None = None  # key -> one of PATTERNS; the rest go by position
    show_totals: bool = True

    def _fills(self, ident: str = "chart") -> dict[str, "_Fill"]:
        """Each key's fill, in the order of ``keys``; pattern ids start with ``ident``."""
        chosen = dict(self.patterns or {})
        for key, pattern in chosen.items():
            if pattern not in PATTERNS:
                raise ValueError(
                    f"Unknown pattern {pattern!r} for {key!r}: choose from {', '.join(PATTERNS)}"
                )
        spare = [pattern for pattern in PATTERNS if pattern not in chosen.values()] or list(PATTERNS)
        fills, next_spare = {}, 0
        for index, (key, _) in enumerate(self.keys):
            if key not in chosen:
                chosen[key] = spare[next_spare % len(spare)]
                next_spare += 1
            fills[key] = _Fill.make(self.colours.get(key, "#505a5f"), chosen[key], f"{ident}-fill-{index}")
        return fills

    def svg(self) -> str:
        ident = _ident(self.title, self.description)
        fills = self._fills(ident)
        # The label column fits the longest label (about 7 units a character at 13 px); the
        # column after the bars fits the biggest total (about 7 units a digit at 12 px).
        label_w = 16 + 7 * max((len(label) for label, _ in self.rows), default=10)
        bar_h, gap, top = 22, 12, 10
        totals = [sum(counts.get(key, 0) for key, _ in self.keys) for _, counts in self.rows]
        biggest = max(totals, default=1) or 1
        total_w = 12 + 7 * len(_number(biggest)) if self.show_totals else 20
        plot_w = self.width - label_w - total_w
        legend_top = top + len(self.rows) * (bar_h + gap) + 16
        legend = self._legend(label_w, legend_top)
        height = legend[-1][3] + 10 if legend else legend_top
        parts = [_open(self.width, height, self.title, self.description)]
        defs = "".join(fill.definition for fill in fills.values())
        if defs:
            parts.append(f"<defs>{defs}</defs>")
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
                parts.append(fills[key].segment(key, x, y, w, bar_h))
                text = _number(count)
                # Room for the digits on their patch; a narrower segment's count is in the table.
                if w >= 8 + 7 * len(text):
                    parts.append(fills[key].label(x + w / 2, y + bar_h - 6, text))
                x += w
            if self.show_totals:
                parts.append(
                    f'<text x="{x + 6:.1f}" y="{y + bar_h - 6}" font-size="12" font-weight="bold" '
                    f'fill="{INK}">{_number(totals[index])}</text>'
                )
        # The legend wraps onto as many lines as it needs within the chart's width.
        for key, label, x, legend_y in legend:
            parts.append(
                fills[key].swatch(key, x, legend_y - 13, 16)
                + f'<text x="{x + 22}" y="{legend_y}" font-size="12">{escape(label)}</text>'
            )
        parts.append("</svg>")
        return "".join(parts)

    def _legend(self, left: int, first_y: int) -> list[tuple[str, str, int, int]]:
        """(key, label, x, baseline y) of each legend entry."""
        entries, x, y = [], left, first_y
        for key, label in self.keys:
            item_w = 28 + 7 * len(label)
            if x > left and x + item_w > self.width:
                x, y = left, y + 22
            entries.append((key, label, x, y))
            x += item_w
        return entries


@dataclass(frozen=True)
class _Fill:
    """How one key of a StackedBar is painted: its colour, its pattern and its label's ink."""

    colour: str
    pattern: str
    fill: str  # the value of a fill attribute: a colour or url(#id)
    ink: str  # the count's colour, the one that contrasts more with the colour
    outline: str | None = None  # a darker edge for the light "outline" fill
    definition: str = ""  # the <pattern> element, if any

    @classmethod
    def make(cls, colour: str, pattern: str, pattern_id: str) -> "_Fill":
        ink = _ink(colour)
        if pattern == "solid":
            return cls(colour, pattern, colour, ink)
        if pattern == "outline":
            light = colour if _luminance(colour) > 0.4 else _mix(colour, "#ffffff", 0.6)
            return cls(colour, pattern, light, _ink(light), _darken_for_white(colour))
        tile = _PATTERN_MARKS[pattern].format(ink=ink)
        definition = (
            f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{_attr(colour)}"/>{tile}</pattern>'
        )
        return cls(colour, pattern, f"url(#{pattern_id})", ink, None, definition)

    def segment(self, key: str, x: float, y: float, w: float, h: float) -> str:
        # A 1px white edge keeps neighbouring segments apart.
        rect = (
            f'<rect data-key="{_attr(key)}" data-pattern="{self.pattern}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
            f'height="{h}" fill="{_attr(self.fill)}" stroke="#ffffff" stroke-width="1"/>'
        )
        if self.outline and w > 4:
            rect += (
                f'<rect x="{x + 1.25:.2f}" y="{y + 1.25:.2f}" width="{w - 2.5:.2f}" height="{h - 2.5:.2f}" '
                f'fill="none" stroke="{_attr(self.outline)}" stroke-width="1.5"/>'
            )
        return rect

    def swatch(self, key: str, x: float, y: float, size: int) -> str:
        edge = f' stroke="{_attr(self.outline)}" stroke-width="1.5"' if self.outline else ""
        return (
            f'<rect data-key="{_attr(key)}" data-pattern="{self.pattern}" x="{x}" y="{y}" width="{size}" '
            f'height="{size}" fill="{_attr(self.fill)}"{edge}/>'
        )

    def label(self, x: float, y: float, text: str) -> str:
        """The count centred at (x, baseline y), on a patch of plain colour clear of the marks."""
        chip = ""
        if self.definition:
            w = 7 * len(text) + 6
            chip = (
                f'<rect x="{x - w / 2:.1f}" y="{y - 12}" width="{w}" height="16" rx="2" '
                f'fill="{_attr(self.colour)}"/>'
            )
        return (
            f'{chip}<text x="{x:.1f}" y="{y}" text-anchor="middle" font-size="12" font-weight="bold" '
            f'fill="{self.ink}">{text}</text>'
        )


# The marks of each pattern on an 8 x 8 tile, in {ink}. Vertical lines are left out: they
# would look like the white edges between segments.
_PATTERN_MARKS = {
    "diagonal": '<path d="M-2,2 L2,-2 M0,8 L8,0 M6,10 L10,6" stroke="{ink}" stroke-width="2" fill="none"/>',
    "reverse-diagonal": '<path d="M-2,6 L2,10 M0,0 L8,8 M6,-2 L10,2" stroke="{ink}" stroke-width="2" fill="none"/>',
    "dots": '<circle cx="2" cy="2" r="1.5" fill="{ink}"/><circle cx="6" cy="6" r="1.5" fill="{ink}"/>',
    "horizontal": '<path d="M0,4 L8,4" stroke="{ink}" stroke-width="2" fill="none"/>',
    "cross-hatch": '<path d="M0,8 L8,0 M0,0 L8,8" stroke="{ink}" stroke-width="1.25" fill="none"/>',
}
PATTERNS = ("solid", "diagonal", "reverse-diagonal", "dots", "horizontal", "cross-hatch", "outline")
INK = "#0b0c0c"  # GOV.UK black, for text on light fills


# Corners of each polygon marker, relative to its centre.
# fmt: off
_MARKER_POINTS = {
    "triangle": [(0, -5.5), (5, 3.5), (-5, 3.5)],
    "triangle-down": [(0, 5.5), (5, -3.5), (-5, -3.5)],
    "diamond": [(0, -5.5), (5.5, 0), (0, 5.5), (-5.5, 0)],
    "cross": [(-1.75, -5), (1.75, -5), (1.75, -1.75), (5, -1.75), (5, 1.75), (1.75, 1.75),
              (1.75, 5), (-1.75, 5), (-1.75, 1.75), (-5, 1.75), (-5, -1.75), (-1.75, -1.75)],
}
# fmt: on


def _marker(shape: str, x: float, y: float, colour: str, series: int) -> str:
    """A marker about 9 units across centred on (x, y), with a white edge to lift it off the lines."""
    common = f'data-series="{series}" data-marker="{shape}" fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "circle":
        return f'<circle {common} cx="{x:.1f}" cy="{y:.1f}" r="4.5"/>'
    if shape == "square":
        return f'<rect {common} x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8"/>'
    points = _MARKER_POINTS[shape]
    path = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in points)
    return f'<polygon {common} points="{path}"/>'


def _ident(title, description) -> str:
    # Ids unique per chart (several charts share a page), and the same on every render.
    return "chart-" + hashlib.sha1(f"{title}|{description}".encode(), usedforsecurity=False).hexdigest()[:10]


def _open(width, height, title, description) -> str:
    ident = _ident(title, description)
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


def _attr(value) -> str:
    return escape(str(value), {'"': "&quot;"})


def _rgb(colour: str) -> tuple[int, int, int] | None:
    """A #rgb or #rrggbb colour as numbers, or None for anything else (a colour name)."""
    digits = colour.strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    try:
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4)) if len(digits) == 6 else None
    except ValueError:
        return None


def _luminance(colour: str) -> float:
    """WCAG relative luminance; an unknown colour counts as dark."""
    rgb = _rgb(colour)
    if rgb is None:
        return 0.0
    linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _ink(colour: str) -> str:
    """White or near-black, whichever contrasts more with the colour."""
    return "#ffffff" if _contrast(colour, "#ffffff") >= _contrast(colour, INK) else INK


def _mix(colour: str, other: str, amount: float) -> str:
    """The colour moved ``amount`` of the way towards ``other``."""
    first, second = _rgb(colour), _rgb(other)
    if first is None or second is None:
        return colour
    return "#" + "".join(f"{round(a + (b - a) * amount):02x}" for a, b in zip(first, second, strict=True))


def _darken_for_white(colour: str) -> str:
    """The colour, darkened until it has 3:1 contrast with white (WCAG 1.4.11)."""
    for step in range(11):
        darker = _mix(colour, "#000000", step / 10)
        if _contrast(darker, "#ffffff") >= 3 or _rgb(darker) is None:
            return darker
    return "#000000"
