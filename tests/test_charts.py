from xml.etree import ElementTree

from bromley_portal.core.charts import LineChart, Series, StackedBar

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
    assert len(root.findall(f"{SVG}circle")) == 3


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
