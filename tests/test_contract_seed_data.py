"""The contract register's seed data: built from seed 004 by fixtures/build_contract_data.py, checked
against the document's own text and figures, and loaded into the portal as published."""

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from ambitions.models import Portfolio
from contracts import selectors, services
from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import Contract, ProcurementRating, PublishedKeyData, RegisterCycle, RegisterEntry
from contracts.seeds import load_seed_register
from tests.seed_documents import DATA, REPO, load, seed_text, seeds_dir

SCRIPT = REPO / "fixtures" / "build_contract_data.py"
FILES = ["contracts_cef_2022.json", "contracts_key_data_2022.json"]
SEED = "004_5e6e92cb38429302.txt"


def squashed(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def contracts():
    return load("contracts_cef_2022.json")["contracts"]


@pytest.fixture(scope="module")
def key_data():
    return {cycle["name"]: cycle for cycle in load("contracts_key_data_2022.json")["cycles"]}


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


def test_every_contract_and_field_is_in_the_seed_as_published(contracts):
    text = squashed(seed_text(SEED))
    appendix = text[text.index("Contract ID Owner Approver Contract Title") :]
    assert len(contracts) == 41
    assert len({row["council_id"] for row in contracts}) == 41
    for row in contracts:
        figures = [f"{Decimal(row['total_value']):,.0f}", f"{Decimal(row['original_annual_value']):,.0f}"]
        if row["current_annual_value"]:
            figures.append(f"{Decimal(row['current_annual_value']):,.0f}")
        start, end = (date.fromisoformat(row[k]).strftime("%d/%m/%Y") for k in ("start_date", "end_date"))
        line = (
            " ".join(figures) + (" g" if row["flagged"] else "") + f" {start} {end} {row['months_duration']}"
        )
        line += " Capital" if row["capital"] else ""
        assert line in appendix, row["council_id"]
        assert f"{row['council_id']} {row['owner']}" in appendix.replace("- ", "-"), row["council_id"]
        for field in ("approver", "supplier"):
            assert row[field] in appendix.replace("- ", "-"), (row["council_id"], field)
        assert f"name={row['title']}".replace(" ", "%20").replace("’", "%E2%80%99") in seed_text(SEED)


def test_a_few_rows_exactly_as_the_extract_prints_them(contracts):
    by_id = {row["council_id"]: row for row in contracts}
    assert (by_id["3701"]["total_value"], by_id["3701"]["current_annual_value"]) == ("968753.00", "211930.00")
    assert by_id["6259"]["status_note"] == "Now Live" and by_id["6259"]["months_duration"] == 6
    assert by_id["5018"]["owner"] == "Simon Harrington-Whitnall"
    assert by_id["6273"]["title"] == by_id["6273"]["supplier"] == "Cornerstone Virtual Reality"
    assert by_id["5071"]["title"].endswith("Adults & Finance LL Case Management System")
    assert by_id["5071"]["supplier"] == "D S Callards Limited"
    assert by_id["6255"]["capital"] and by_id["6255"]["risk_level"] == "higher"
    assert by_id["6253"]["current_annual_value"] is None


def test_the_contracts_add_up_to_the_published_september_key_data(contracts, key_data):
    cef = key_data["September 2022"]["portfolios"]["CEF"]
    counts = {
        "total": len(contracts),
        "higher_risk": sum(row["risk_level"] == "higher" for row in contracts),
        "lower_risk": sum(row["risk_level"] == "lower" for row in contracts),
        "concern": sum(row["concern"] for row in contracts),
        **{
            s: sum(row["procurement_status"] == s for row in contracts)
            for s in ("red", "amber", "green", "neutral")
        },
    }
    assert (
        counts
        == cef
        == {
            "total": 41,
            "concern": 0,
            "higher_risk": 7,
            "lower_risk": 34,
            "red": 0,
            "amber": 3,
            "green": 12,
            "neutral": 26,
        }
    )
    assert sum(row["flagged"] for row in contracts) == 15


def test_the_assumed_colours_follow_the_written_rule_and_say_they_are_assumed(contracts):
    data = load("contracts_cef_2022.json")
    assert "assumed" in data["rating_rule"]
    amber = [row["council_id"] for row in contracts if row["procurement_status"] == "amber"]
    assert amber == ["6253", "6273", "4943"]
    for row in contracts:
        assert row["procurement_status_assumed"] is row["flagged"]


def test_the_key_data_is_appendix_1_and_paragraph_3_8(key_data):
    assert list(key_data) == ["February 2022", "May 2022", "September 2022"]
    expected_totals = {"February 2022": 206, "May 2022": 214, "September 2022": 236}
    for name, cycle in key_data.items():
        everyone = cycle["all_portfolios"]
        assert everyone["total"] == expected_totals[name]
        assert sum(p["total"] for p in cycle["portfolios"].values()) == everyone["total"]
        assert everyone["higher_risk"] + everyone["lower_risk"] == everyone["total"]
        assert sum(everyone[s] for s in ("red", "amber", "green", "neutral")) == everyone["total"]
    assert key_data["September 2022"]["all_portfolios"]["amber"] == 23
    assert [key_data[n]["portfolios"]["CEF"]["neutral"] for n in key_data] == [20, 21, 26]
    assert key_data["May 2022"]["portfolios"]["RRH"]["total"] == 44
    assert (
        key_data["September 2022"]["as_at"] == "2022-08-31"
        and not key_data["September 2022"]["as_at_assumed"]
    )


def test_months_duration_as_the_portal_counts_it_matches_the_published_rows_but_two(contracts):
    """The register's months are what the Contracts Database holds, so the portal keeps them as published;
    its own count (for a contract entered without one) agrees with 39 of the 41. The two it does not:
    4945 (1 June 2019 to 30 May 2025, a day short of 72 months: published 72) and 5029 (1 November 2020 to
    30 November 2022, 25 months: published 24)."""
    differ = set()
    for row in contracts:
        start, end = date.fromisoformat(row["start_date"]), date.fromisoformat(row["end_date"])
        if services.months_between(start, end) != row["months_duration"]:
            differ.add(row["council_id"])
    assert differ == {"4945", "5029"}


# Loading ----------------------------------------------------------------------------------------


@pytest.fixture
def loaded(db):
    return load_seed_register()


def test_loading_makes_the_september_2022_register_exactly_as_published(loaded, contracts, key_data):
    september = RegisterCycle.objects.get(name="September 2022")
    assert september.is_frozen and september.as_at == date(2022, 8, 31)
    cef = Portfolio.objects.get(code="CEF")
    entries = list(selectors.register_entries(september, cef))
    by_id = {row["council_id"]: row for row in contracts}
    assert len(entries) == 41
    for entry in entries:
        row = by_id[entry.council_id]
        assert entry.procurement_status == row["procurement_status"], entry.council_id
        assert entry.risk_level == row["risk_level"], entry.council_id
        assert entry.rating_assumed is row["flagged"]
        assert entry.total_value == Decimal(row["total_value"])
    # Register order: the revenue rows as the extract prints them; the capital rows at the foot.
    revenue = [row["council_id"] for row in contracts if not row["capital"]]
    assert [entry.council_id for entry in entries[: len(revenue)]] == revenue
    assert {entry.council_id for entry in entries[len(revenue) :]} == {"6233", "5209", "6255", "5029"}
    # Counted from the frozen register, the key data is the published figures.
    counted = RegisterEntry.objects.filter(cycle=september)
    published = key_data["September 2022"]["portfolios"]["CEF"]
    assert counted.filter(risk_level=RiskLevel.HIGHER).count() == published["higher_risk"]
    assert counted.filter(procurement_status=ProcurementStatus.AMBER).count() == published["amber"]
    assert counted.filter(procurement_status=ProcurementStatus.NEUTRAL).count() == published["neutral"]


def test_the_default_rules_flag_fourteen_and_5071_is_flagged_by_hand(loaded):
    assert list(Contract.objects.filter(always_flag=True).values_list("council_id", flat=True)) == ["5071"]
    assert ProcurementRating.objects.filter(assumed=True).count() == 15


def test_the_key_data_shows_three_cycles_of_published_figures(loaded):
    september = RegisterCycle.objects.get(name="September 2022")
    data = selectors.key_data(september, Portfolio.objects.get(code="CEF"))
    rows = {label: values for label, _, values in data.rows}
    assert rows["Total contracts £50k+"] == [37, 34, 41]
    assert rows["Flagged as a concern"] == [2, 1, 0]
    assert rows["Higher Risk"] == [8, 5, 7] and rows["Lower Risk"] == [29, 29, 34]
    assert rows["Red"] == [2, 1, 0] and rows["Amber"] == [7, 3, 3]
    assert rows["Green"] == [8, 9, 12] and rows["Neutral"] == [20, 21, 26]
    everyone = {label: values for label, _, values in selectors.key_data(september).rows}
    assert everyone["Total contracts £50k+"] == [206, 214, 236]
    assert everyone["Amber"] == [16, 18, 23]


def test_loading_again_changes_nothing(loaded):
    counts = [
        m.objects.count()
        for m in (Contract, RegisterEntry, PublishedKeyData, ProcurementRating, RegisterCycle)
    ]
    again = load_seed_register()
    assert again["contracts"] == 0 and not any(created for _, created in again["cycles"])
    assert again["september"][2] is False
    assert [
        m.objects.count()
        for m in (Contract, RegisterEntry, PublishedKeyData, ProcurementRating, RegisterCycle)
    ] == counts
