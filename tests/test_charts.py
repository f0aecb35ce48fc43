from xml.etree import ElementTree

import pytest

from bromley_portal.core.charts import MARKERS, PATTERNS, RAG_COLOURS, LineChart, Series, StackedBar

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str):
    return ElementTree.fromstring(svg)  # noqa: S314 (our own output)


def test_a_line_chart_is_valid_svg_with_a_title_and_description():
    chart = LineChart(
        "Children looked after",
        "Rate per 10,000 by year",
        ["2020-21", "2021-22"],
        [Series("Bromley", [42, 43]), Series("England", [67, None])],
    )
    root = parse(chart.svg())
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Children looked after"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert len(root.findall(f"{SVG}polyline")) == 1  # England has one point only: no line
    markers = [element.get("data-series") for element in root if element.get("data-marker")]
    assert markers.count("0") == 2 + 1  # each point, and the legend
    assert markers.count("1") == 1 + 1


def test_user_text_is_escaped():
    chart = LineChart("<script>x</script>", "a & b", ["<b>"], [Series("</svg>", [1])])
    root = parse(chart.svg())
    assert root.find(f"{SVG}title").text == "<script>x</script>"


def test_two_charts_on_a_page_have_different_ids():
    first = parse(LineChart("A", "a", ["x"], [Series("s", [1])]).svg())
    second = parse(LineChart("B", "b", ["x"], [Series("s", [1])]).svg())
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_a_stacked_bar_draws_a_segment_per_nonzero_count():
    chart = StackedBar(
        "RAG",
        "counts",
        [("Ambition 1", {"red": 2, "green": 5, "amber": 0})],
        [("red", "Red"), ("amber", "Amber"), ("green", "Green")],
    )
    root = parse(chart.svg())
    bars = [rect for rect in root.findall(f"{SVG}rect") if rect.get("height") == "22"]
    assert len(bars) == 2


RAG_KEYS = [
    ("red", "Red"),
    ("amber", "Amber"),
    ("green", "Green"),
    ("complete", "Complete"),
    ("not_started", "Not started"),
    ("not_rated", "Not rated"),
    ("no_update", "No update"),
]
COLOURS = {**RAG_COLOURS, "not_rated": "#6f72af", "no_update": "#b1b4b6"}


def rag_bar(title="RAG", rows=None, **options) -> StackedBar:
    rows = rows or [("Ambition 1", {key: 10 for key, _ in RAG_KEYS}), ("Ambition 2", {"red": 1, "green": 30})]
    return StackedBar(title, "counts", rows, RAG_KEYS, **{"colours": COLOURS, "width": 760, **options})


def segments(root) -> list:
    return [
        rect for rect in root.findall(f"{SVG}rect") if rect.get("data-key") and rect.get("height") == "22"
    ]


def swatches(root) -> list:
    return [
        rect for rect in root.findall(f"{SVG}rect") if rect.get("data-key") and rect.get("height") != "22"
    ]


def test_each_key_has_its_own_pattern_by_position():
    root = parse(rag_bar().svg())
    patterns = {rect.get("data-key"): rect.get("data-pattern") for rect in swatches(root)}
    assert list(patterns.values()) == list(PATTERNS)
    assert len({rect.get("fill") for rect in swatches(root)}) == len(RAG_KEYS)
    # The patterned fills are defined in the chart, on the key's colour.
    defined = {pattern.get("id"): pattern for pattern in root.iter(f"{SVG}pattern")}
    amber = next(rect for rect in swatches(root) if rect.get("data-key") == "amber")
    pattern = defined[amber.get("fill").removeprefix("url(#").removesuffix(")")]
    assert pattern.find(f"{SVG}rect").get("fill") == COLOURS["amber"]


def test_a_key_can_be_given_its_pattern_and_the_rest_keep_theirs_distinct():
    chart = rag_bar(patterns={"green": "solid", "red": "dots"})
    patterns = {rect.get("data-key"): rect.get("data-pattern") for rect in swatches(parse(chart.svg()))}
    assert patterns["green"] == "solid" and patterns["red"] == "dots"
    assert sorted(patterns.values()) == sorted(PATTERNS)
    with pytest.raises(ValueError, match="Unknown pattern 'stripes'"):
        rag_bar(patterns={"red": "stripes"}).svg()


def test_every_legend_swatch_uses_the_same_fill_as_its_segments():
    root = parse(rag_bar().svg())
    swatch_fills = {rect.get("data-key"): rect.get("fill") for rect in swatches(root)}
    assert set(swatch_fills) == {key for key, _ in RAG_KEYS}
    assert len(segments(root)) == 7 + 2
    for rect in segments(root):
        assert rect.get("fill") == swatch_fills[rect.get("data-key")]
        assert (rect.get("stroke"), rect.get("stroke-width")) == ("#ffffff", "1")  # the white separator
    # The light "outline" fill has its darker edge in the legend too.
    no_update = next(rect for rect in swatches(root) if rect.get("data-key") == "no_update")
    edges = [rect for rect in root.findall(f"{SVG}rect") if rect.get("fill") == "none"]
    assert no_update.get("stroke") and {rect.get("stroke") for rect in edges} == {no_update.get("stroke")}


def test_pattern_ids_are_unique_between_two_charts_on_a_page():
    first, second = parse(rag_bar("Ambitions").svg()), parse(rag_bar("Portfolios").svg())
    ids = [[element.get("id") for element in root.iter() if element.get("id")] for root in (first, second)]
    assert len(ids[0]) == len(set(ids[0])) and not set(ids[0]) & set(ids[1])
    for root in (first, second):
        own = {pattern.get("id") for pattern in root.iter(f"{SVG}pattern")}
        used = {
            rect.get("fill")[5:-1]
            for rect in root.iter(f"{SVG}rect")
            if rect.get("fill", "").startswith("url(")
        }
        assert used == own and len(own) == 5  # solid and outline need no <pattern>


def test_counts_are_dark_or_light_to_suit_their_fill_and_each_bar_shows_its_total():
    root = parse(rag_bar(rows=[("A", {"red": 100, "no_update": 100, "green": 1})]).svg())
    texts = [(text.text, text.get("fill")) for text in root.findall(f"{SVG}text")]
    assert ("100", "#ffffff") in texts  # on red
    assert ("100", "#0b0c0c") in texts  # on the light grey of no update
    assert "1" not in [text for text, _ in texts]  # too narrow for its count: the table has it
    assert ("201", "#0b0c0c") in texts  # the total, after the bar


def test_stacked_bar_text_is_escaped():
    chart = StackedBar(
        "<b>RAG</b>",
        'a "quoted" & <odd> description',
        [("</svg><script>", {'k"ey': 3})],
        [('k"ey', "<Label & co>")],
        colours={'k"ey': "#1d70b8"},
    )
    root = parse(chart.svg())
    assert root.find(f"{SVG}title").text == "<b>RAG</b>"
    texts = [text.text for text in root.findall(f"{SVG}text")]
    assert "</svg><script>" in texts and "<Label & co>" in texts
    assert {rect.get("data-key") for rect in root.findall(f"{SVG}rect") if rect.get("data-key")} == {'k"ey'}


def test_each_line_series_has_its_own_marker_shape_in_the_chart_and_the_legend():
    names = ["Bromley", "Target", "England", "London", "Statistical neighbours"]
    chart = LineChart("CLA", "rate", ["2021", "2022"], [Series(name, [1, 2]) for name in names])
    root = parse(chart.svg())
    shapes = {}
    for element in root:
        if element.get("data-marker"):
            shapes.setdefault(element.get("data-series"), []).append(element.get("data-marker"))
    assert len(shapes) == len(names)
    for number, drawn in shapes.items():
        assert drawn == [MARKERS[int(number)]] * 3  # two points and the legend
    assert len({drawn[0] for drawn in shapes.values()}) == len(names)
