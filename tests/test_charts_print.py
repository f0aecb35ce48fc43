"""The RAG chart printed in black and white: each status must still look different.

WeasyPrint draws the chart into a PDF as a committee report does, pdftoppm turns the page
into greys as a black and white printer would, and each status's segment is sampled: its
mean grey, how much the grey varies (a pattern's texture) and how much neighbouring pixels
differ across, down and along each diagonal (a pattern's direction).
"""

import shutil
import statistics
import subprocess
from xml.etree import ElementTree

import pytest
import weasyprint

from bromley_portal.core.charts import StackedBar
from plans.dashboards import CHART_COLOURS, RAG_KEYS

SVG = "{http://www.w3.org/2000/svg}"
DPI = 100
PAGE_MARGIN_MM, CONTENT_WIDTH_MM = 20, 170  # A4, as a committee report prints

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None,
    reason="pdftoppm (poppler-utils) is needed to read the PDF back as greys",
)


def report_chart(**options) -> StackedBar:
    # As plans.reports._chart draws it.
    return StackedBar(
        title="Actions by RAG status",
        description="Horizontal bars, one per row, split by RAG status.",
        rows=[("Ambition 1", {key: 10 for key, _ in RAG_KEYS})],
        keys=RAG_KEYS,
        colours=CHART_COLOURS,
        width=760,
        **options,
    )


def print_in_grey(svg: str, tmp_path) -> tuple[list[bytes], float, float]:
    """The page's rows of grey pixels, where the chart starts and how many pixels a chart unit is."""
    html = (
        f"<!doctype html><html><head><style>@page {{ size: A4; margin: {PAGE_MARGIN_MM}mm }} "
        "body { margin: 0 } svg { display: block; width: 100% }</style></head>"
        f"<body>{svg}</body></html>"
    )
    weasyprint.HTML(string=html).write_pdf(tmp_path / "chart.pdf")
    subprocess.run(
        ["pdftoppm", "-gray", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", "chart.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    data = (tmp_path / "page.pgm").read_bytes()
    magic, width, height, depth, pixels = data.split(maxsplit=4)
    assert (magic, depth) == (b"P5", b"255")
    width, height = int(width), int(height)
    rows = [pixels[row * width : (row + 1) * width] for row in range(height)]
    origin = PAGE_MARGIN_MM / 25.4 * DPI
    view_width = float(ElementTree.fromstring(svg).get("viewBox").split()[2])  # noqa: S314 (our own output)
    return rows, origin, CONTENT_WIDTH_MM / 25.4 * DPI / view_width


def texture(rows, boxes) -> dict[str, float]:
    """Mean and spread of the greys in the boxes (pixels), and the mean difference between
    each pixel and its neighbour across, down and along each diagonal."""
    greys, steps = [], {"across": [], "down": [], "diagonal": [], "reverse": []}
    for left, top, right, bottom in boxes:
        for y in range(top, bottom):
            for x in range(left, right):
                greys.append(rows[y][x])
                steps["across"].append(abs(rows[y][x] - rows[y][x + 1]))
                steps["down"].append(abs(rows[y][x] - rows[y + 1][x]))
                steps["diagonal"].append(abs(rows[y][x] - rows[y - 1][x + 1]))
                steps["reverse"].append(abs(rows[y][x] - rows[y + 1][x + 1]))
    return {
        "mean": statistics.fmean(greys),
        "spread": statistics.pstdev(greys),
        **{name: statistics.fmean(values) for name, values in steps.items()},
    }


def printed_textures(chart: StackedBar, tmp_path) -> tuple[dict, dict]:
    """The texture of each key's segment and of its legend swatch, as printed."""
    svg = chart.svg()
    rows, origin, scale = print_in_grey(svg, tmp_path)

    def px(units):
        return round(origin + units * scale)

    segments, swatches = {}, {}
    for rect in ElementTree.fromstring(svg).iter(f"{SVG}rect"):  # noqa: S314 (our own output)
        if rect.get("data-key") is None:
            continue
        x, y, w, h = (float(rect.get(name)) for name in ("x", "y", "width", "height"))
        if h == 22:
            # Inside the white edges, leaving out the middle, where the count sits on plain colour.
            top, bottom = px(y + 3), px(y + h - 3)
            boxes = [
                (px(x + 3), top, px(x + w / 2 - 13), bottom),
                (px(x + w / 2 + 13), top, px(x + w - 3), bottom),
            ]
            segments[rect.get("data-key")] = texture(rows, boxes)
        else:
            swatches[rect.get("data-key")] = texture(
                rows, [(px(x + 2), px(y + 2), px(x + w - 2), px(y + h - 2))]
            )
    return segments, swatches


def differences(textures) -> list[str]:
    """Pairs of keys that would print alike: means within 25 greys and the same texture."""
    alike = []
    keys = list(textures)
    for index, first in enumerate(keys):
        for second in keys[index + 1 :]:
            a, b = textures[first], textures[second]
            if abs(a["mean"] - b["mean"]) < 25 and all(
                abs(a[name] - b[name]) < 12 for name in ("spread", "across", "down", "diagonal", "reverse")
            ):
                alike.append(f"{first} and {second}: {a} {b}")
    return alike


def distance(a, b) -> float:
    return max(abs(a[name] - b[name]) for name in a)


def test_every_status_prints_differently_in_black_and_white(tmp_path):
    segments, swatches = printed_textures(report_chart(), tmp_path)
    assert list(segments) == list(swatches) == [key for key, _ in RAG_KEYS]
    for key in segments:
        print(key, {name: round(value, 1) for name, value in segments[key].items()})
        print("  swatch", {name: round(value, 1) for name, value in swatches[key].items()})
    assert differences(segments) == []
    # Each legend swatch prints more like its own status's segments than any other's.
    for key, swatch in swatches.items():
        assert min(segments, key=lambda other: distance(swatch, segments[other])) == key


def test_colour_alone_would_not_do(tmp_path):
    # The check above can fail: with every status solid, as before, red and green each print
    # alike with not started (and amber with complete, red and not rated).
    solid = report_chart(patterns={key: "solid" for key, _ in RAG_KEYS})
    segments, _ = printed_textures(solid, tmp_path)
    for key in segments:
        print(key, {name: round(value, 1) for name, value in segments[key].items()})
    assert all(values["spread"] < 2 for values in segments.values())  # each box is inside its segment
    alike = {pair.split(":")[0] for pair in differences(segments)}
    assert {"red and not_started", "green and not_started"} <= alike
