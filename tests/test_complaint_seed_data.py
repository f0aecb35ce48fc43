"""The complaints app's published figures: built from seed 004's Annual Complaints Report 2021/22 by
fixtures/build_complaints_data.py, rebuilt byte for byte, and checked against the report's own text."""

import re
import subprocess
import sys
from decimal import Decimal

import pytest

from tests.seed_documents import DATA, REPO, load, seed_text, seeds_dir

SCRIPT = REPO / "fixtures" / "build_complaints_data.py"
FILES = [
    "complaints_report_2021_22.json",
    "complaints_chapters_2021_22.json",
    "complaints_published_years.json",
]
SEED = "004_5e6e92cb38429302.txt"
KEYS = ["asc", "csc", "housing", "pr", "education", "epp", "ced", "public_health"]


@pytest.fixture(scope="module")
def report():
    return load("complaints_report_2021_22.json")


@pytest.fixture(scope="module")
def chapters():
    return load("complaints_chapters_2021_22.json")["chapters"]


@pytest.fixture(scope="module")
def text():
    return re.sub(r"[ \t]+", " ", seed_text(SEED))


def test_the_builder_rebuilds_the_committed_json(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--seeds", str(seeds_dir()), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_the_builder_refuses_a_report_that_does_not_add_up(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / SEED).write_text(seed_text(SEED).replace("Email 37 46 68", "Email 38 46 68"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--seeds", str(seeds), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "channel Email does not add up" in done.stderr


def test_complaints_by_division_and_channel_are_the_printed_rows(report, text):
    channels = report["channels"]
    printed = {"email": "Email", "form": "Form", "in_person": "In person", "letter": "Letter"}
    printed |= {"telephone": "Telephone", "website": "Website"}
    for key, label in printed.items():
        row = channels["by_channel"][key]
        total = sum(row.values())
        line = (
            f"{label} {' '.join(str(row[k]) for k in KEYS)} {total} {channels['printed_share_of_total'][key]}"
        )
        assert line in text, line
    assert channels["total"] == 872 == sum(channels["by_division"].values())
    assert channels["by_division"] == {
        "asc": 54, "csc": 74, "housing": 94, "pr": 35, "education": 50, "epp": 485, "ced": 80, "public_health": 0
    }  # fmt: skip


def test_aspects_by_type_are_the_printed_rows_with_their_upheld_rates(report, text):
    aspects = report["aspects"]
    assert aspects["total"] == 994
    for kind in report["aspect_types"]:
        row = aspects["by_type"][kind["key"]]
        cells = " ".join("-" if row["by_division"][k] is None else str(row["by_division"][k]) for k in KEYS)
        line = f"{kind['label']} {cells} {row['total']} {row['printed_share_of_total']}% {row['printed_upheld_rate']}%"
        assert line in text, line
        if row["total"]:
            rate = Decimal(row["fully_upheld"] * 100) / row["total"]
            assert f"{rate:.1f}" == row["printed_upheld_rate"], kind
    assert sum(row["fully_upheld"] for row in aspects["by_type"].values()) == 131


def test_proportion_upheld_by_division_divides_and_adds_up(report):
    upheld = report["upheld"]
    assert (upheld["aspects"], upheld["upheld_or_partially"]) == (509, 196)
    for key, row in upheld["by_division"].items():
        assert row["aspects"] == (report["aspects"]["by_division"][key]), key
        if row["aspects"]:
            assert round(Decimal(row["upheld_or_partially"] * 100) / row["aspects"]) == int(
                row["printed_percent"]
            )


def test_financial_remedies_add_up_to_the_printed_totals(report, chapters):
    remedies = report["remedies"]
    table = remedies["by_stage_type_division"]
    total = sum(Decimal(v) for stage in table.values() for row in stage.values() for v in row.values())
    assert total == Decimal(remedies["total"]) == Decimal("20831.22")
    assert table["stage_1"]["written_off"] == {
        "asc": "1400.07", "csc": "0.00", "housing": "0.00", "pr": "104.40", "education": "0.00", "epp": "0.00",
        "ced": "3404.35",
    }  # fmt: skip
    # Each chapter's own table agrees with the overview for 2021/22.
    for key, amount in remedies["by_division"].items():
        assert Decimal(chapters[key]["financial_consequences"]["totals"]["2021/22"] or 0) == Decimal(
            amount
        ), key
    earlier = sum(
        Decimal(chapters[k]["financial_consequences"]["totals"]["2020/21"] or 0)
        for k in remedies["by_division"]
    )
    assert earlier == Decimal(remedies["total_previous_year"])


def test_compliments_ombudsman_and_review_letter(report, text):
    assert report["compliments"]["total"] == {"2020/21": 282, "2021/22": 233}
    names = {d["key"]: d["name"] for d in report["divisions"]} | {"ced": "Chief Executive's Dept."}
    for key, row in report["compliments"]["by_division"].items():
        assert f"{names[key]} {row['2020/21']} {row['2021/22']} {row['printed_change']}" in text, key
    ombudsman = report["ombudsman"]
    assert (ombudsman["cases_handled"], ombudsman["investigations"], ombudsman["upheld"]) == (104, 26, 18)
    letter = report["review_letter"]
    assert (letter["referrals"], letter["investigations"], letter["upheld"], letter["london_ranking"]) == (
        122,
        26,
        18,
        "13th",
    )
    assert "Referrals 149 103 122 +18%" in text


def test_the_adult_social_care_services_table_is_as_printed(chapters, text):
    services = chapters["asc"]["services"]
    assert len(services) == 19
    for row in services:
        assert f"{row['mentions']} {row['aspects']} {row['fully_upheld']} {row['partially_upheld']}" in text
    totals = [sum(row[c] for row in services) for c in ("mentions", "aspects", "fully_upheld", "on_time")]
    assert totals == [56, 79, 28, 22]
    assert services[-1]["service"] == "Contracted Services" and not services[-1]["service_assumed"]


def test_each_chapter_agrees_with_the_overview(report, chapters):
    for key in ("asc", "csc", "housing", "pr", "education", "ced"):
        assert chapters[key]["aspects"] == report["aspects"]["by_division"][key], key
    for key in ("asc", "csc"):
        nature = chapters[key]["nature_of_complaint"]
        assert sum(r["aspects"] for r in nature.values()) == report["aspects"]["by_division"][key]
    assert sum(chapters[k]["ombudsman"]["upheld"] for k in KEYS if k != "public_health") == 16
    epp = chapters["epp"]
    assert sum(row["total"] for row in epp["nature_by_service"]) == 485


def test_every_reading_is_written_down(report):
    topics = {reading["topic"] for reading in report["readings"]}
    assert {
        "% upheld by aspect type",
        "complaints by division",
        "printed typos",
        "responding on time",
    } <= topics
    for reading in report["readings"]:
        assert reading["reading"] and reading["why"]


def test_the_earlier_years_are_published_figures_per_division_and_measure():
    data = load("complaints_published_years.json")
    figures = {(f["year"], f["division"], f["measure"]): f["value"] for f in data["figures"]}
    assert figures[("2020/21", "asc", "complaints")] == 57
    assert figures[("2019/20", "asc", "complaints")] == 117  # the overview's, not the chapter's 142
    assert figures[("2020/21", "asc", "upheld_percent")] == "56"
    assert figures[("2020/21", "housing", "compliments")] == 108
    assert figures[("2019/20", "csc", "financial_consequences")] == "16907.52"
    assert ("2019/20", "pr", "complaints") not in figures  # printed "-"
    letters = {row["year"]: row for row in data["review_letters"]}
    assert letters["2019/20"]["london_ranking"] == "Joint 7th" and letters["2020/21"]["referrals"] == 103
