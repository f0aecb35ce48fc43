"""Tests for the seed data built by fixtures/build_seed_data.py.

Plain pytest, no Django.  (a) The committed JSON must be exactly what the parser produces
from the seeds, so it can always be rebuilt.  (b) Counts and texts checked against the seed
documents by hand: every expected number below was counted in the seed text itself, not taken
from the parser's output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "fixtures" / "build_seed_data.py"
DATA = REPO / "fixtures" / "data"
SEEDS = REPO.parent / "shared" / "seeds"
FILES = ["strategy.json", "plan_cef_2023_24.json", "plan_priorities_2018_19.json"]


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def strategy() -> dict:
    return load("strategy.json")


@pytest.fixture(scope="module")
def cef() -> dict:
    return load("plan_cef_2023_24.json")


@pytest.fixture(scope="module")
def priorities() -> dict:
    return load("plan_priorities_2018_19.json")


def action(plan: dict, section: int, number: int) -> dict:
    sec = next(s for s in plan["sections"] if s["number"] == section)
    return next(a for a in sec["actions"] if a["number"] == number)


# --------------------------------------------------------------------------- (a) rebuild


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed documents not available at {SEEDS}")
def test_parser_rebuilds_committed_json(tmp_path):
    subprocess.run(
        [sys.executable, str(SCRIPT), "--seeds", str(SEEDS), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed documents not available at {SEEDS}")
def test_parser_default_seeds_path(tmp_path):
    """Without --seeds the script finds ../shared/seeds relative to the repository."""
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "strategy.json").read_bytes() == (DATA / "strategy.json").read_bytes()


@pytest.mark.parametrize("name", FILES)
def test_json_formatting(name):
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert "’" in text  # curly quotes kept, not escaped


# --------------------------------------------------------------------------- strategy (000)


def test_strategy_header(strategy):
    assert strategy["title"] == "Making Bromley Even Better"
    assert strategy["period"] == "2021-2031"
    assert strategy["vision"] == (
        "Bromley, a fantastic place to live and work, where everyone "
        "can lead healthy, safe and independent lives"
    )
    assert len(strategy["values"]) == 8
    assert len(strategy["partners"]) == 21


def test_strategy_ambitions(strategy):
    ambitions = strategy["ambitions"]
    assert [a["number"] for a in ambitions] == [1, 2, 3, 4, 5]
    assert [a["short_name"] for a in ambitions] == [
        "Children and Families",
        "Adults and Older People",
        "Communities and Businesses",
        "Safe, Clean and Green",
        "Resources and Efficiencies",
    ]
    assert ambitions[0]["statement"] == (
        "For children and young people to grow up, thrive and have the best life chances in "
        "families who flourish and are happy to call Bromley home."
    )
    assert ambitions[4]["statement"].startswith("To manage our resources well, providing value")


def test_commitments_per_ambition(strategy):
    # Paragraphs with bold text under "What we will do" (ambition 5: after "includes:").
    counts = [len(a["commitments"]) for a in strategy["ambitions"]]
    assert counts == [15, 15, 12, 17, 9]
    for ambition in strategy["ambitions"]:
        assert [c["number"] for c in ambition["commitments"]] == list(
            range(1, len(ambition["commitments"]) + 1)
        )


def test_commitment_texts(strategy):
    a1, a2, a3, a4, a5 = strategy["ambitions"]
    c = a1["commitments"][1]
    assert (
        c["title"] == "Build on the success of Bromley's excellent schools, academies and "
        "further education offer"
    )
    assert c["description"].startswith("Build on the success of Bromley's excellent schools")
    assert a1["commitments"][13]["title"] == "Deliver our Youth Justice strategy"
    assert a1["commitments"][13]["description"].endswith(
        "engage offenders and victims in developing our restorative justice approaches."
    )
    # Bullets and the follow-on paragraph stay with "implement innovation".
    innovation = a2["commitments"][14]
    assert innovation["title"] == "implement innovation"
    assert "\n- Shared Lives – providing support" in innovation["description"]
    assert innovation["description"].endswith("to meet these goals.")
    assert a3["commitments"][0]["title"] == "1,000 new affordable quality homes"
    assert a4["commitments"][16]["title"] == "Implement our Food Safety Plan"
    assert a5["commitments"][0]["title"] == "Living within our means"
    assert a5["commitment_lead_ins"] == [
        {
            "before_commitment": 1,
            "text": "Our approach to achieving the best value from our resources includes:",
        }
    ]


def test_outcome_themes(strategy):
    themes = {a["number"]: a["outcome_themes"] for a in strategy["ambitions"]}
    assert themes[1] == ["A good start to life", "Learning and living well", "Healthy and safe lives"]
    assert themes[5] == [
        "Living within our means",
        "Transforming our services",
        "Collaborating and innovating together",
    ]
    assert sum(len(t) for t in themes.values()) == 15
    items = strategy["ambitions"][2]["outcome_theme_items"][0]
    assert items == {
        "theme": "A home for everyone",
        "items": [
            "Meet the housing needs of our residents",
            "Support those who are at risk of becoming homeless",
            "Provide longer-term housing options to reduce the use of temporary accommodation",
        ],
    }


def test_key_strategies(strategy):
    strategies = strategy["key_strategies"]
    assert len(strategies) == 29  # 15 rows + 14 rows
    assert sum(len(s["ambitions"]) for s in strategies) == 99  # 52 + 47 ticks
    by_name = {s["name"]: s["ambitions"] for s in strategies}
    assert by_name["Bromley Council - Transforming Bromley"] == [1, 2, 3, 4, 5]
    assert by_name["Bromley Local Plan"] == [3, 4, 5]
    assert by_name["Looked After Children Strategy"] == [1, 5]
    assert by_name["Bromley Safeguarding Adults Board (BSAB) Strategy"] == [2, 3, 4, 5]
    assert by_name["Police and Crime Plan (Mayor of London)"] == [4, 5]
    assert by_name["Housing Strategy"] == [1, 2, 3, 5]
    assert strategies[0]["name"] == "Bromley Council - Transforming Bromley"
    assert strategies[-1]["name"] == "Open Spaces Strategy"
    # Every key document supports ambition 5; 18 support ambition 1 (13 + 5).
    assert all(5 in s["ambitions"] for s in strategies)
    assert sum(1 for s in strategies if 1 in s["ambitions"]) == 18


# ------------------------------------------------------------- CEF plan 2023-24 (001)


def test_cef_plan_header(cef):
    assert cef["portfolio"] == "Children, Education and Families"
    assert cef["portfolio_code"] == "CEF"
    assert cef["year"] == "2023-24"
    assert cef["section_kind"] == "ambition"
    assert cef["source"] == "001_e8e78d54940f3605.txt"


def test_cef_sections_and_actions(cef):
    assert [(s["number"], s["ambition"]) for s in cef["sections"]] == [(1, 1), (2, 5)]
    assert [len(s["actions"]) for s in cef["sections"]] == [15, 6]
    for section in cef["sections"]:
        assert [a["number"] for a in section["actions"]] == list(range(1, len(section["actions"]) + 1))
    assert cef["sections"][0]["key_strategies"] == ["Children and Young People's Plan"]
    assert cef["sections"][1]["key_strategies"] == [
        "Performance Management Framework",
        "Quality Assurance Framework",
        "Bromley Relationship Social Work Model",
        "User Voice and Engagement Framework",
    ]


def test_cef_detail_items(cef):
    details = [[len(a["details"]) for a in s["actions"]] for s in cef["sections"]]
    assert details == [[4, 3, 1, 3, 2, 4, 4, 3, 3, 3, 1, 3, 4, 2, 1], [1, 1, 1, 1, 1, 2]]
    assert [d["letter"] for d in action(cef, 1, 1)["details"]] == ["a", "b", "c", "d"]
    assert [d["letter"] for d in action(cef, 1, 13)["details"]] == ["a", "b", "c", "d"]
    assert [d["letter"] for d in action(cef, 2, 6)["details"]] == ["b", "c"]  # no a) in source
    assert action(cef, 1, 15)["details"] == [
        {
            "letter": None,
            "text": "Loneliness Champion to continue to build local partnership working and make "
            "stronger links with care leavers",
        }
    ]
    assert action(cef, 1, 9)["details"][2]["text"].startswith(
        "Transform the Bromley CYP Integrated Therapies"
    )
    info = action(cef, 1, 5)["details"][1]["text"]
    assert info.endswith(
        "Information is available through:\n- Early years directory\n"
        "- SENDMatters newsletters,\n- Early Intervention and Family Support "
        "(EIFS) Social Media platforms\n- EIFS Parenting Hub website\n"
        "- IASS website"
    )


def test_cef_measures(cef):
    measures = [[len(a["measures"]) for a in s["actions"]] for s in cef["sections"]]
    assert measures == [[5, 3, 1, 3, 3, 4, 5, 3, 3, 4, 1, 3, 4, 2, 1], [2, 1, 1, 3, 2, 2]]
    assert action(cef, 2, 1)["measures"] == [
        "Budgetary control",
        "Maintain an effective Performance and Quality Assurance Management oversight",
    ]
    assert action(cef, 1, 6)["measures"][3] == "i) Timeliness of assessments; Child seen during assessment."


def test_cef_targets(cef):
    a2 = action(cef, 1, 2)
    assert [t["text"] for t in a2["targets"]] == ["Sept 2023", "April 2024 (AP)", "April 2024 (AP)"]
    assert a2["targets"][0] == {"text": "Sept 2023", "date": "2023-09", "annual_programme": False}
    assert a2["target_date"] == "2024-04"
    assert a2["target_date_text"] == "Sept 2023; April 2024 (AP)"
    assert a2["annual_programme"] is True
    a11 = action(cef, 1, 11)
    assert (a11["target_date"], a11["target_date_text"]) == ("2024-04", "April 2024 (AP)")
    assert [t["text"] for t in action(cef, 1, 12)["targets"]] == [
        "April 2024",
        "April 2024 (AP)",
        "April 2024",
    ]
    for section in cef["sections"]:
        for a in section["actions"]:
            assert a["target_date"] == "2024-04" or (a["number"] == 2 and section["number"] == 1)
            assert a["portfolios"] == ["CEF"]
            assert a["update_quarter"] is None


def test_cef_leads(cef):
    assert action(cef, 1, 1)["leads"] == ["Director Education"]
    assert action(cef, 1, 8)["leads"] == [
        "Director Education",  # "Director of Education"
        "Associate Director of Integrated Commissioning",
    ]
    assert action(cef, 1, 7)["leads"] == [
        "Director Children, Education and Families",
        "Assistant Director, Children’s Social Care, Safeguarding & Care Planning Services",
        "Assistant Director Specialist Services",
    ]
    assert action(cef, 1, 10)["leads"] == [
        "Head of Service, 0-25 Service, Children and Young People with Disabilities"
    ]
    assert action(cef, 2, 3)["leads"] == ["Director Children, Education and Families", "Director of HR"]
    assert action(cef, 2, 1)["leads"] == [
        "Director Children, Education and Families",
        "Assistant Director Strategy, Performance and Corporate Transformation",
    ]
    assert action(cef, 1, 9)["rows"][1]["leads"] == []  # empty cell for 9 b)
    distinct = {lead for s in cef["sections"] for a in s["actions"] for lead in a["leads"]}
    assert distinct == {
        "Director Education",
        "Director Children, Education and Families",
        "Director of HR",
        "Assistant Director Specialist Services",
        "Assistant Director Integrated Commissioning",
        "Assistant Director Strategy, Performance and Corporate Transformation",
        "Assistant Director, Children’s Social Care, Safeguarding & Care Planning Services",
        "Associate Director of Integrated Commissioning",
        "Associate Director Children's Commissioning",
        "Senior Commissioning Manager – Children and Young People’s Mental Health and Wellbeing",
        "Independent Chair of Bromley Safeguarding Children’s Partnership (BSCP)",
        "Head of Service, 0-25 Service, Children and Young People with Disabilities",
    }


def test_cef_updates(cef):
    assert action(cef, 1, 1)["update"].startswith(
        "- Early years directory published annually and updated weekly.\n"
        "- Bromley Education Matters continues"
    )
    assert "\n\nTraining summary\n- One ‘Leaders and Managers’ Forum\n" in action(cef, 1, 1)["update"]
    assert action(cef, 2, 2)["update"].startswith("- Children’s services take every opportunity to lobby")
    # Action 12's text and action 15's update are split across pages in the source.
    assert action(cef, 1, 12)["title"].endswith(
        "perpetrators and victims of sexually harmful behaviour; and young people in youth "
        "offending services (YOS)."
    )
    update15 = action(cef, 1, 15)["update"]
    assert "during various celebration days and awareness weeks" in update15
    assert update15.endswith("Future training will be delivered in March 2024 for all new Council members.")
    assert update15.count("\n- ") == 8  # 9 bullets
    for section in cef["sections"]:
        for a in section["actions"]:
            assert a["update"] and a["leads"] and a["details"] and a["measures"]


# ------------------------------------------------------------ priorities plan (003)


def test_priorities_header(priorities):
    assert priorities["year"] == "2018-19"
    assert priorities["year_evidence"]
    assert priorities["section_kind"] == "priority"
    assert priorities["source"] == "003_dda3255221cf2eea.txt"
    assert priorities["portfolios"] == [
        {"code": "CEF", "name": "Children, Education and Families"},
        {"code": "RRH", "name": "Renewal, Recreation and Housing"},
    ]


def test_priorities_sections(priorities):
    sections = priorities["sections"]
    assert [s["title"] for s in sections] == [
        "Safeguarding",
        "Life Chances, Resilience and Wellbeing",
        "Implement the SEND Reforms",
        "Ensuring Efficiency and Effectiveness",
    ]
    assert all(s["ambition"] is None for s in sections)
    assert [len(s["actions"]) for s in sections] == [3, 7, 4, 2]
    assert [len(s["key_strategies"]) for s in sections] == [7, 7, 4, 5]  # P2 lists one twice
    assert [len(s["alignment"]) for s in sections] == [3, 4, 4, 1]
    assert sections[0]["rationale"].startswith("Safeguarding children and adults is everyone’s business.")
    assert sections[3]["statement"] == (
        "We remain committed to delivering high quality "
        "services that make a positive difference to people’s "
        "lives"
    )


def test_priorities_actions(priorities):
    details = [[len(a["details"]) for a in s["actions"]] for s in priorities["sections"]]
    assert details == [[2, 3, 2], [2, 1, 1, 2, 1, 2, 1], [1, 2, 2, 3], [2, 1]]
    measures = [[len(a["measures"]) for a in s["actions"]] for s in priorities["sections"]]
    assert measures == [[3, 4, 2], [2, 2, 2, 2, 1, 1, 1], [1, 2, 1, 2], [2, 3]]
    assert action(priorities, 1, 1)["title"] == "Raise awareness of children and adults safeguarding"
    assert [d["letter"] for d in action(priorities, 1, 2)["details"]] == ["a", "b", "c"]
    assert action(priorities, 1, 3)["details"][1]["text"] == "Prepare for follow up Ofsted Single Inspection"
    assert action(priorities, 2, 5)["details"][0]["text"].endswith("until their 18th birthday")


def test_priorities_targets_leads_portfolios(priorities):
    a13 = action(priorities, 1, 3)
    assert (a13["target_date"], a13["target_date_text"], a13["annual_programme"]) == (
        "2018-12",
        "Dec 2018",
        False,
    )
    a11 = action(priorities, 1, 1)
    assert (a11["target_date"], a11["target_date_text"], a11["annual_programme"]) == (
        "2022-04",
        "April 2022 [AP]",
        True,
    )
    assert action(priorities, 3, 1)["target_date_text"] == "April 2022"  # no [AP] here
    a12 = action(priorities, 1, 2)
    assert a12["leads"] == [
        "Assistant Director Strategy, Performance & Engagement",
        "Director Children's Social Care",
        "Director Housing",
    ]
    assert a12["portfolios"] == ["CEF", "RRH"]
    assert a12["rows"][2] == {
        "details": ["c"],
        "measures": [],
        "target_dates": [],
        "leads": ["Director Housing"],
        "portfolios": ["CEF", "RRH"],
    }
    assert action(priorities, 3, 2)["leads"] == [
        "Director Children's Social Care",
        "Director Adult Social Care",
    ]
    distinct = {lead for s in priorities["sections"] for a in s["actions"] for lead in a["leads"]}
    assert distinct == {
        "Director Children's Social Care",
        "Director Adult Social Care",
        "Director Education",
        "Director Housing",
        "Director Programmes",
        "Assistant Director Strategy, Performance & Engagement",
    }
    for section in priorities["sections"]:
        for a in section["actions"]:
            assert a["update_quarter"] == 4
            assert a["update"] and a["leads"] and a["details"]


def test_priorities_updates(priorities):
    assert action(priorities, 1, 3)["update"] == (
        "A) The Improvement Plan has been signed off as complete.\n\n"
        "B) The Ofsted inspection was carried out in November 2018. The report, published in "
        "January 2019, graded Bromley as Good overall for services and Outstanding for "
        "leadership."
    )
    update = action(priorities, 1, 1)["update"]
    assert update.startswith(
        "A)\n- A programme of multi-agency training courses has been scheduled for 2018/19"
    )
    assert "\n\nB)\n- The Safer Schools event in September 2018" in update
    assert "“Understanding Safeguarding: it’s everybody’s business”" in update
    assert "- The Bromley Safeguarding Children Board's Annual Conference" in update  # page 2
    places = action(priorities, 2, 2)["update"]
    assert "\n  - Currently no planned bulge classes.\n" in places
    assert places.count("\n  - ") == 7
    assert places.endswith("- Initial SEND place planning analysis completed, in depth work underway")
    assert action(priorities, 4, 2)["update"].startswith("- The User Voice Framework was agreed")
