"""Tests for the seed data built by fixtures/build_seed_data.py.

No database.  (a) The committed JSON must be exactly what the builder produces from the
council's documents, so it can always be rebuilt.  (b) Counts and texts checked against the documents
by hand: every expected number below was counted in the seed text itself, not taken from the
builder's output.  (c) How the builder shares a plan-table row out to its details (``share_out``),
on rows made up for the purpose.  Seed 001's plan table is checked row by row in
test_seed_plan_table.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.seed_documents import CEF_PLAN_SEED, DATA, SCRIPT, builder, load, seed_text, seeds_dir

FILES = ["strategy.json", "plans_illustrative.json", "plan_cef_2023_24.json", "plan_priorities_2018_19.json"]


@pytest.fixture(scope="module")
def strategy() -> dict:
    return load("strategy.json")


@pytest.fixture(scope="module")
def cef() -> dict:
    return load("plan_cef_2023_24.json")


@pytest.fixture(scope="module")
def priorities() -> dict:
    return load("plan_priorities_2018_19.json")


@pytest.fixture(scope="module")
def illustrative() -> dict:
    return load("plans_illustrative.json")


def action(plan: dict, section: int, number: int) -> dict:
    sec = next(s for s in plan["sections"] if s["number"] == section)
    return next(a for a in sec["actions"] if a["number"] == number)


def actions(plan: dict):
    for section in plan["sections"]:
        for item in section["actions"]:
            yield section, item


def per_action(plan: dict, count) -> list[list[int]]:
    return [[count(a) for a in s["actions"]] for s in plan["sections"]]


def details(plan: dict):
    for _, item in actions(plan):
        yield from item["details"]


def the_update(item: dict) -> str:
    """The update of an action whose plan row is a single row."""
    assert len(item["rows"]) == 1, item["number"]
    return item["rows"][0]["update"]


# --------------------------------------------------------------------------- (a) rebuild


def run_builder(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, check=False
    )


def test_builder_rebuilds_committed_json(tmp_path):
    done = run_builder("--seeds", str(seeds_dir()), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_builder_finds_the_seeds_by_itself(tmp_path):
    """Without --seeds the builder finds the documents from wherever the repository is checked out."""
    seeds_dir()
    done = run_builder("--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "plan_cef_2023_24.json").read_bytes() == (DATA / "plan_cef_2023_24.json").read_bytes()


def test_where_the_builder_looks_for_the_seeds(tmp_path, monkeypatch):
    monkeypatch.delenv(builder.SEEDS_ENV, raising=False)
    repo = tmp_path / "work" / "wt" / "branch"
    repo.mkdir(parents=True)
    # Nothing there: <repo>/../shared/seeds, for the error message.
    assert builder.default_seeds_dir(repo) == tmp_path / "work" / "wt" / "shared" / "seeds"
    # A worktree two levels down finds the shared folder above it.
    (tmp_path / "work" / "shared" / "seeds").mkdir(parents=True)
    assert builder.default_seeds_dir(repo) == tmp_path / "work" / "shared" / "seeds"
    # The nearest one wins.
    (tmp_path / "work" / "wt" / "shared" / "seeds").mkdir(parents=True)
    assert builder.default_seeds_dir(repo) == tmp_path / "work" / "wt" / "shared" / "seeds"
    # PORTAL_SEEDS_DIR wins over both.
    monkeypatch.setenv(builder.SEEDS_ENV, str(tmp_path / "elsewhere"))
    assert builder.default_seeds_dir(repo) == tmp_path / "elsewhere"


def test_builder_says_when_the_seeds_are_missing(tmp_path):
    env = {**os.environ, builder.SEEDS_ENV: str(tmp_path / "nowhere")}
    done = run_builder("--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 2
    assert f"not in {tmp_path / 'nowhere'}" in done.stderr
    assert "PORTAL_SEEDS_DIR" in done.stderr
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize("name", FILES)
def test_json_formatting(name):
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert "\\u" not in text  # curly quotes and dashes kept, not escaped


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


def test_strategy_notes(strategy):
    notes = " ".join(strategy["notes"])
    # The second key-documents table heads ambition 3 "COMMUNITIES AND BUSINESS".
    assert "second key-documents table heads ambition 3 'Communities and Business'" in notes
    assert "outcome_themes / outcome_theme_items come from 'Our ambitions framework'" in notes


# ------------------------------------------------------------- CEF plan 2023-24 (001)


def test_cef_plan_header(cef):
    assert cef["portfolio"] == "Children, Education and Families"
    assert cef["portfolio_code"] == "CEF"
    assert cef["year"] == "2023-24"
    assert cef["section_kind"] == "ambition"
    assert cef["source"] == CEF_PLAN_SEED


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


def test_cef_details_measures_and_rows(cef):
    # Counted in seed 001: details (lettered, plus the two rows with no letter: 1.7's empty detail
    # cell and 1.15's unlettered detail), measures of success (one per paragraph), table rows.
    assert per_action(cef, lambda a: len(a["details"])) == [
        [4, 3, 1, 3, 2, 4, 5, 3, 3, 3, 1, 3, 4, 2, 1],
        [1, 1, 1, 1, 1, 2],
    ]
    assert per_action(cef, lambda a: sum(len(d["measures"]) for d in a["details"])) == [
        [5, 3, 1, 3, 3, 4, 5, 3, 3, 4, 1, 3, 4, 2, 1],
        [2, 1, 1, 3, 2, 2],
    ]
    assert per_action(cef, lambda a: len(a["rows"])) == [
        [2, 1, 1, 2, 2, 2, 4, 3, 3, 1, 1, 2, 3, 1, 1],
        [1, 1, 1, 1, 1, 2],
    ]
    assert sum(1 for _ in details(cef)) == 49
    assert sum(len(d["measures"]) for d in details(cef)) == 56
    for _, item in actions(cef):
        # Every detail sits in exactly one row, in order.
        assert [i for row in item["rows"] for i in row["details"]] == list(range(len(item["details"])))


def test_cef_detail_texts(cef):
    assert [d["letter"] for d in action(cef, 1, 1)["details"]] == ["a", "b", "c", "d"]
    assert [d["letter"] for d in action(cef, 2, 6)["details"]] == ["b", "c"]  # no a) in source
    assert [d["letter"] for d in action(cef, 1, 7)["details"]] == ["a", "b", "c", None, "d"]
    assert action(cef, 1, 7)["details"][3]["text"] == ""  # the row's detail cell is empty
    assert action(cef, 1, 7)["details"][3]["measures"] == [
        "Embed THRIVE (mental health) provision to ensure access it available for all children in need, "
        "and carers in need of support."
    ]
    loneliness = action(cef, 1, 15)["details"]
    assert [(d["letter"], d["text"]) for d in loneliness] == [
        (
            None,
            "Loneliness Champion to continue to build local partnership working and make "
            "stronger links with care leavers",
        )
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
    assert action(cef, 2, 1)["details"][0]["measures"] == [
        "Budgetary control",
        "Maintain an effective Performance and Quality Assurance Management oversight",
    ]
    assert action(cef, 1, 6)["details"][3]["measures"] == [
        "i) Timeliness of assessments; Child seen during assessment."
    ]
    # A semicolon list inside one paragraph stays one measure.
    assert action(cef, 1, 1)["details"][1]["measures"] == [
        "Capacity to enable 30 hours of funded childcare; Take-up of funded 2yr old places; "
        "% Childminders / Early Years Settings rated good or outstanding; Take up of Disability Access Fund."
    ]


def test_cef_targets(cef):
    a2 = action(cef, 1, 2)["details"]
    assert [d["target"] for d in a2] == [
        {"text": "Sept 2023", "date": "2023-09", "annual_programme": False},
        {"text": "April 2024 (AP)", "date": "2024-04", "annual_programme": True},
        {"text": "April 2024 (AP)", "date": "2024-04", "annual_programme": True},
    ]
    assert [d["target"]["text"] for d in action(cef, 1, 12)["details"]] == [
        "April 2024",
        "April 2024 (AP)",
        "April 2024",
    ]
    assert action(cef, 1, 14)["details"][0]["target"] == {
        "text": "April 2024",
        "date": "2024-04",
        "annual_programme": False,
    }
    # Every detail is due in April 2024 except 1.2 a), due September 2023.
    dates = {
        (s["ambition"], a["number"], d["letter"]): d["target"]["date"]
        for s, a in actions(cef)
        for d in a["details"]
    }
    assert {key for key, date in dates.items() if date != "2024-04"} == {(1, 2, "a")}
    for _, item in actions(cef):
        assert item["portfolios"] == ["CEF"]


def test_cef_leads_merge_spellings_of_a_post_and_keep_the_plan_wording(cef):
    pairs = {(lead["written_as"], lead["post"]) for d in details(cef) for lead in d["leads"]}
    # The spellings seed 001 uses for a post it also names otherwise (read from the plan table).
    assert {(written, post) for written, post in pairs if written != post} == {
        ("Director of Education", "Director Education"),
        ("Director Children's Education and Families", "Director Children, Education and Families"),
        ("Director Children, Families and Education", "Director Children, Education and Families"),
        ("Assistant Director of Specialist Services", "Assistant Director Specialist Services"),
        ("Assistant Director of Integrated Commissioning", "Assistant Director Integrated Commissioning"),
        (
            "Assistant Director, Children's Social Care, Safeguarding & Care Planning Services",
            "Assistant Director, Children’s Social Care, Safeguarding & Care Planning Services",
        ),
        (
            "Senior Commissioning Manager – C&YP’s Mental Health & Wellbeing",
            "Senior Commissioning Manager – Children and Young People’s Mental Health and Wellbeing",
        ),
    }
    assert {post for _, post in pairs} == {
        "Director Education",
        "Director Children, Education and Families",
        "Director of HR",
        "Assistant Director Specialist Services",
        "Assistant Director Integrated Commissioning",
        "Assistant Director Strategy, Performance and Corporate Transformation",
        "Assistant Director, Children’s Social Care, Safeguarding & Care Planning Services",
        "Associate Director of Integrated Commissioning",  # not the Assistant Director: kept apart
        "Associate Director Children's Commissioning",
        "Senior Commissioning Manager – Children and Young People’s Mental Health and Wellbeing",
        "Independent Chair of Bromley Safeguarding Children’s Partnership (BSCP)",
        "Head of Service, 0-25 Service, Children and Young People with Disabilities",
    }


def test_cef_leads_per_detail(cef):
    def leads(section, number):
        return [[lead["written_as"] for lead in d["leads"]] for d in action(cef, section, number)["details"]]

    # 1.7 a), b): a lead paragraph each, side by side with the details.
    assert leads(1, 7)[:2] == [
        ["Director Children's Education and Families"],
        ["Assistant Director, Children's Social Care, Safeguarding & Care Planning Services"],
    ]
    assert leads(1, 9)[1] == []  # the lead cell of 1.9 b) is empty
    assert leads(2, 1) == [  # no paragraph breaks in the source: split by hand
        [
            "Director Children, Education and Families",
            "Assistant Director Strategy, Performance and Corporate Transformation",
        ]
    ]
    assert leads(2, 3) == [["Director Children, Education and Families", "Director of HR"]]  # "X / Y"
    assert leads(2, 5) == [
        ["Director Children, Families and Education", "Assistant Director of Specialist Services"]
    ]
    for detail in details(cef):
        for lead in detail["leads"]:
            assert set(lead) == {"post", "written_as"}


def test_cef_updates_are_kept_per_row(cef):
    first, second = action(cef, 1, 1)["rows"]
    assert first["details"] == [0, 1]
    assert first["update"].startswith(
        "- Early years directory published annually and updated weekly.\n"
        "- Bromley Education Matters continues"
    )
    assert second["details"] == [2, 3]
    assert second["update"].startswith("Training summary\n- One ‘Leaders and Managers’ Forum\n")
    assert the_update(action(cef, 2, 2)).startswith("- Children’s services take every opportunity to lobby")
    # Action 12's text and action 15's update are split across pages in the source.
    assert action(cef, 1, 12)["title"].endswith(
        "perpetrators and victims of sexually harmful behaviour; and young people in youth "
        "offending services (YOS)."
    )
    update15 = the_update(action(cef, 1, 15))
    assert "during various celebration days and awareness weeks" in update15
    assert update15.endswith("Future training will be delivered in March 2024 for all new Council members.")
    assert update15.count("\n- ") == 8  # 9 bullets
    for _, item in actions(cef):
        assert all(row["update"] for row in item["rows"])
        assert all(d["measures"] and d["target"] for d in item["details"])


def test_cef_updates_report_quarter_3(cef):
    assert {item["update_quarter"] for _, item in actions(cef)} == {3}
    evidence = " ".join(cef["update_quarter_evidence"])
    assert "17 January 2024" in evidence
    assert "December 2023" in evidence


def test_cef_quarter_evidence_quotes_the_seed(cef):
    text = " ".join(seed_text(CEF_PLAN_SEED).split())
    quotes = re.findall(r"'([^']+)'", " ".join(cef["update_quarter_evidence"]))
    assert len(quotes) >= 7
    for quote in quotes:
        parts = [part.strip() for part in quote.split("...")]
        assert all(part in text for part in parts if part), quote


def test_cef_notes_record_every_irregularity(cef):
    expected = {
        (1, 1): ["gives 3 measures: shared out as c), c), d)"],
        (1, 3): ["academic abilities"],
        (1, 4): ["Lead 'Senior Commissioning Manager – C&YP’s Mental Health & Wellbeing' is the post"],
        (1, 6): ["Detail d runs two statements together", "numbered 'i)'"],
        (1, 7): [
            "A source row names no detail item (empty detail cell)",
            "Lead 'Director Children's Education and Families' is the post",
            "A continuation page repeats the action text with small differences",
        ],
        (1, 8): ["Lead 'Director of Education' is the post 'Director Education'"],
        (1, 9): ["The source row for detail(s) b has an empty lead cell."],
        (1, 10): ["gives 4 measures: shared out as a), b), c), c)"],
        (1, 12): ["The action text is split across two pages in the source; re-joined."],
        (1, 15): [
            "A detail item has no letter in the source.",
            "The update continues on the next page",
            "lost a cell in extraction (5 cells instead of 6)",
        ],
        (2, 1): ["The measures cell 'Budgetary control Maintain", "The leads cell 'Director Children"],
        (2, 4): ["Lead 'Assistant Director of Integrated Commissioning' is the post"],
        (2, 5): [
            "Lead 'Director Children, Families and Education'",
            "Lead 'Assistant Director of Specialist",
        ],
        (2, 6): ["Detail letters in the source run b, c (expected a, b); kept as written."],
    }
    for (section, number), fragments in expected.items():
        notes = " ".join(action(cef, section, number).get("notes", []))
        for fragment in fragments:
            assert fragment in notes, (section, number, fragment)
    # Nothing irregular in these rows, and nothing is said.
    for section, number in [(1, 2), (1, 5), (1, 11), (1, 13), (1, 14), (2, 2), (2, 3)]:
        assert "notes" not in action(cef, section, number), (section, number)


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
    assert "Quarter 4 update" in " ".join(priorities["update_quarter_evidence"])


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
    assert "notes" in sections[1]
    assert [len(s["alignment"]) for s in sections] == [3, 4, 4, 1]
    assert sections[0]["rationale"].startswith("Safeguarding children and adults is everyone’s business.")
    assert sections[3]["statement"] == (
        "We remain committed to delivering high quality "
        "services that make a positive difference to people’s "
        "lives"
    )


def test_priorities_actions(priorities):
    assert per_action(priorities, lambda a: len(a["details"])) == [
        [2, 3, 2],
        [2, 1, 1, 2, 1, 2, 1],
        [1, 2, 2, 3],
        [2, 1],
    ]
    assert per_action(priorities, lambda a: sum(len(d["measures"]) for d in a["details"])) == [
        [3, 4, 2],
        [2, 2, 2, 2, 1, 1, 1],
        [1, 2, 1, 2],
        [2, 3],
    ]
    assert per_action(priorities, lambda a: len(a["rows"])) == [
        [1, 3, 1],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 2],
        [1, 1],
    ]
    assert action(priorities, 1, 1)["title"] == "Raise awareness of children and adults safeguarding"
    assert [d["letter"] for d in action(priorities, 1, 2)["details"]] == ["a", "b", "c"]  # "A)" -> "a"
    assert action(priorities, 1, 3)["details"][1]["text"] == "Prepare for follow up Ofsted Single Inspection"
    assert action(priorities, 2, 5)["details"][0]["text"].endswith("until their 18th birthday")


def test_priorities_targets_leads_portfolios(priorities):
    def targets(section, number):
        return [d["target"] for d in action(priorities, section, number)["details"]]

    dec = {"text": "Dec 2018", "date": "2018-12", "annual_programme": False}
    assert targets(1, 3) == [dec, dec]
    assert targets(1, 1)[0] == {"text": "April 2022 [AP]", "date": "2022-04", "annual_programme": True}
    assert targets(3, 1)[0]["text"] == "April 2022"  # no [AP] here
    assert targets(1, 2)[2] is None  # 1.2 c) has no measure or target date
    assert targets(3, 4)[2] is None

    a12 = action(priorities, 1, 2)
    assert [[lead["post"] for lead in d["leads"]] for d in a12["details"]] == [
        ["Assistant Director Strategy, Performance & Engagement"],
        ["Director Children's Social Care"],
        ["Director Housing"],
    ]
    assert a12["details"][2]["measures"] == []
    assert a12["portfolios"] == ["CEF", "RRH"]
    assert a12["rows"][2]["details"] == [2]
    assert a12["rows"][2]["update"].startswith(
        "A programme of audits for 2018/19 has been scheduled. Lessons"
    )
    # "Director Children's Social Care/ Adult Social Care": two posts, on both details of the row.
    assert [[lead["post"] for lead in d["leads"]] for d in action(priorities, 3, 2)["details"]] == [
        ["Director Children's Social Care", "Director Adult Social Care"]
    ] * 2
    assert action(priorities, 3, 4)["details"][2]["leads"] == []  # continuation page, empty lead cell
    assert action(priorities, 1, 1)["details"][0]["leads"] == [
        {"post": "Director Children's Social Care", "written_as": "Director Children’s Social Care"}
    ]
    distinct = {lead["post"] for d in details(priorities) for lead in d["leads"]}
    assert distinct == {
        "Director Children's Social Care",
        "Director Adult Social Care",
        "Director Education",
        "Director Housing",
        "Director Programmes",
        "Assistant Director Strategy, Performance & Engagement",
    }
    for _, item in actions(priorities):
        assert item["update_quarter"] == 4
        assert item["details"] and all(row["update"] for row in item["rows"])
        assert any(d["leads"] for d in item["details"])


def test_priorities_updates(priorities):
    assert the_update(action(priorities, 1, 3)) == (
        "A) The Improvement Plan has been signed off as complete.\n\n"
        "B) The Ofsted inspection was carried out in November 2018. The report, published in "
        "January 2019, graded Bromley as Good overall for services and Outstanding for "
        "leadership."
    )
    update = the_update(action(priorities, 1, 1))
    assert update.startswith(
        "A)\n- A programme of multi-agency training courses has been scheduled for 2018/19"
    )
    assert "\n\nB)\n- The Safer Schools event in September 2018" in update
    assert "“Understanding Safeguarding: it’s everybody’s business”" in update
    assert "- The Bromley Safeguarding Children Board's Annual Conference" in update  # page 2
    places = the_update(action(priorities, 2, 2))
    assert "\n  - Currently no planned bulge classes.\n" in places
    assert places.count("\n  - ") == 7
    assert places.endswith("- Initial SEND place planning analysis completed, in depth work underway")
    assert the_update(action(priorities, 4, 2)).startswith("- The User Voice Framework was agreed")
    rows34 = action(priorities, 3, 4)["rows"]
    assert [row["details"] for row in rows34] == [[0, 1], [2]]
    assert rows34[1]["update"].startswith("C)\n- Review of SEN/D advisory teams completed")


def test_priorities_notes(priorities):
    notes = {(s["number"], a["number"]): " ".join(a.get("notes", [])) for s, a in actions(priorities)}
    assert "shared out as a), a), b)" in notes[(1, 1)]
    assert "The update continues on the next page" in notes[(1, 1)]
    assert "The source row for detail(s) c has no measure of success or target date." in notes[(1, 2)]
    assert "split by hand into 3 entries" in notes[(1, 2)]
    assert "shared out as b)" in notes[(2, 6)]
    assert "names two posts sharing the title word 'Director'" in notes[(3, 2)]
    assert "shared out as b)" in notes[(3, 3)]
    assert "has an empty lead cell" in notes[(3, 4)]


# ----------------------------------------------------------------- share_out (made-up rows)


def paragraphs(*texts: str) -> str:
    return " ".join(f"<p>{text}</p>" for text in texts)


def plan_row(detail=(), measures=(), targets=(), leads=(), update="<p>Done.</p>", title="1. An action"):
    return builder.Row(
        action=paragraphs(title),
        detail=paragraphs(*detail),
        measures=paragraphs(*measures),
        target=paragraphs(*targets),
        lead=paragraphs(*leads),
        update=update,
    )


def build_action(*rows, seed="made_up.txt", section=1, number=1, aliases=None) -> dict:
    made = builder.ActionBuilder(number, "An action", aliases or {}, 3, ["CEF"], seed, section)
    for row in rows:
        made.add_row(row)
    return made.to_json()


def shared(item: dict) -> list[tuple]:
    return [
        (
            d["letter"],
            d["measures"],
            d["target"] and d["target"]["text"],
            [lead["written_as"] for lead in d["leads"]],
        )
        for d in item["details"]
    ]


def test_share_out_pairs_a_row_one_to_one():
    item = build_action(
        plan_row(
            detail=["a) First", "b) Second"],
            measures=["M1", "M2"],
            targets=["Sept 2023", "April 2024 (AP)"],
            leads=["Lead One", "Lead Two"],
        )
    )
    assert shared(item) == [
        ("a", ["M1"], "Sept 2023", ["Lead One"]),
        ("b", ["M2"], "April 2024 (AP)", ["Lead Two"]),
    ]
    assert item["details"][0]["target"] == {"text": "Sept 2023", "date": "2023-09", "annual_programme": False}
    assert item["details"][1]["target"] == {
        "text": "April 2024 (AP)",
        "date": "2024-04",
        "annual_programme": True,
    }
    assert item["rows"] == [{"details": [0, 1], "update": "Done."}]
    assert item["update_quarter"] == 3
    assert "notes" not in item


def test_share_out_shares_a_single_value_with_every_detail():
    item = build_action(
        plan_row(
            detail=["a) First", "b) Second", "c) Third"],
            measures=["M1", "M2", "M3"],
            targets=["April 2024 (AP)"],
            leads=["Lead One"],
        )
    )
    assert shared(item) == [
        ("a", ["M1"], "April 2024 (AP)", ["Lead One"]),
        ("b", ["M2"], "April 2024 (AP)", ["Lead One"]),
        ("c", ["M3"], "April 2024 (AP)", ["Lead One"]),
    ]


def test_share_out_gives_one_detail_all_its_row_holds():
    """One detail, a date and a lead per measure: all are its own, and its target is the latest date."""
    item = build_action(
        plan_row(
            detail=["a) Only"],
            measures=["M1", "M2"],
            targets=["Sept 2023", "April 2024 (AP)"],
            leads=["Lead One", "Lead Two"],
        )
    )
    assert shared(item) == [("a", ["M1", "M2"], "April 2024 (AP)", ["Lead One", "Lead Two"])]
    assert item["details"][0]["target"]["date"] == "2024-04"
    assert any(
        "target dates ['April 2024 (AP)', 'Sept 2023'] (one per measure)" in note for note in item["notes"]
    )


def test_share_out_follows_the_measures_where_dates_and_leads_are_given_per_measure():
    """Seed 001's row for 1.1 c), d) has three measures, three dates and is listed in MEASURE_ASSIGNMENTS
    (c, c, d); made-up dates and leads per measure go with their measures."""
    item = build_action(
        plan_row(
            detail=["c) Training", "d) Home education"],
            measures=["M1", "M2", "M3"],
            targets=["Sept 2023", "Dec 2023", "April 2024"],
            leads=["Lead One", "Lead Two", "Lead Three"],
        ),
        seed=CEF_PLAN_SEED,
        section=1,
        number=1,
    )
    assert shared(item) == [
        ("c", ["M1", "M2"], "Dec 2023", ["Lead One", "Lead Two"]),
        ("d", ["M3"], "April 2024", ["Lead Three"]),
    ]
    assert any("shared out as c), c), d) from their texts" in note for note in item["notes"])


def test_a_row_with_no_detail_becomes_a_detail_without_letter_or_text():
    item = build_action(
        plan_row(detail=["a) First"], measures=["M1"], targets=["April 2024 (AP)"], leads=["Lead One"]),
        plan_row(measures=["M2"], targets=["April 2024"], leads=["Lead Two"], update="<p>Second row.</p>"),
    )
    assert shared(item) == [
        ("a", ["M1"], "April 2024 (AP)", ["Lead One"]),
        (None, ["M2"], "April 2024", ["Lead Two"]),
    ]
    assert item["details"][1]["text"] == ""
    assert item["rows"] == [{"details": [0], "update": "Done."}, {"details": [1], "update": "Second row."}]
    assert any("names no detail item" in note for note in item["notes"])


def test_an_empty_lead_cell_leaves_its_details_without_a_lead():
    item = build_action(
        plan_row(detail=["a) First"], measures=["M1"], targets=["April 2024 (AP)"], leads=["Lead One"]),
        plan_row(detail=["b) Second"], measures=["M2"], targets=["April 2024 (AP)"], leads=[]),
    )
    assert [d["leads"] for d in item["details"]] == [[{"post": "Lead One", "written_as": "Lead One"}], []]
    assert "The source row for detail(s) b has an empty lead cell." in item["notes"]


def test_a_continuation_row_finishes_the_update_of_the_row_before():
    item = build_action(
        plan_row(
            detail=["a) First"],
            measures=["M1"],
            targets=["April 2024 (AP)"],
            leads=["Lead One"],
            update='<ul style="list-style-type: none"> • One. • Two continues on',
        ),
        plan_row(leads=["Lead One"], update="<p>the next page.</p>", title=""),
    )
    assert item["rows"] == [{"details": [0], "update": "- One.\n- Two continues on the next page."}]
    assert any("The update continues on the next page" in note for note in item["notes"])


def test_post_merges_spellings_and_written_as_keeps_the_plan_wording():
    item = build_action(
        plan_row(
            detail=["a) First"],
            measures=["M1"],
            targets=["April 2024 (AP)"],
            leads=["Director of Education / Director of HR"],
        ),
        aliases=builder.LEAD_ALIASES_CEF_2023,
    )
    assert item["details"][0]["leads"] == [
        {"post": "Director Education", "written_as": "Director of Education"},
        {"post": "Director of HR", "written_as": "Director of HR"},
    ]
    assert (
        "Lead 'Director of Education' is the post 'Director Education' (the plan's wording is kept)."
        in item["notes"]
    )


def test_a_row_share_out_cannot_pair_must_be_read_by_hand():
    with pytest.raises(ValueError, match="3 measures for 2 details; add a MEASURE_ASSIGNMENTS entry"):
        build_action(
            plan_row(detail=["a) First", "b) Second"], measures=["M1", "M2", "M3"], targets=["April 2024"])
        )
    with pytest.raises(ValueError, match="2 measures, 3 owners"):
        build_action(
            plan_row(
                detail=["c) Training", "d) Home education"], measures=["M1", "M2"], targets=["April 2024"]
            ),
            seed=CEF_PLAN_SEED,
            number=1,
        )


def test_the_rows_read_by_hand(cef, priorities):
    """Every MEASURE_ASSIGNMENTS entry, and the measures each detail of that row holds in the JSON."""
    plans = {CEF_PLAN_SEED: cef, "003_dda3255221cf2eea.txt": priorities}
    measures = {}
    for seed, section, number, letters in builder.MEASURE_ASSIGNMENTS:
        item = action(plans[seed], section, number)
        measures[(seed[:3], section, number)] = {
            d["letter"]: len(d["measures"]) for d in item["details"] if d["letter"] in letters
        }
    assert measures == {
        # 001 1.1: two measures about training go with c), home education with d).
        ("001", 1, 1): {"c": 2, "d": 1},
        # 001 1.10: four measures, three details, three dates; the texts do not say which detail has two.
        ("001", 1, 10): {"a": 1, "b": 1, "c": 2},
        ("003", 1, 1): {"a": 2, "b": 1},  # training and conferences; campaigns
        ("003", 2, 6): {"a": 0, "b": 1},  # exclusions from primary schools
        ("003", 3, 3): {"a": 0, "b": 1},  # the local area SEND inspection
    }
    assert action(cef, 1, 1)["details"][2]["measures"] == [
        "Number of training courses that have taken place.",
        "Number of settings represented, and practitioners participated.",
    ]


# ------------------------------------------------------------------ illustrative plans (from 000)


def test_illustrative_plans_are_marked_and_cover_ambitions_2_to_4(illustrative, strategy):
    assert illustrative["note"].startswith("Illustrative: made up for the demo")
    plans = illustrative["plans"]
    assert [(p["portfolio_code"], [s["ambition"] for s in p["sections"]]) for p in plans] == [
        ("ACH", [2]),
        ("RRH", [3]),
        ("ECS", [4]),
    ]
    for plan in plans:
        assert plan["illustrative"] is True
        assert plan["title"].endswith("Portfolio plan for {year} (illustrative)")
        assert plan["source"] == "Illustrative plan built from 000_f7b348c66cff8627.txt"
        assert plan["section_kind"] == "ambition"
        assert "year" not in plan  # the demo gives it the current financial year
    # One action per commitment of the ambition (15, 12 and 17 in seed 000).
    assert [len(p["sections"][0]["actions"]) for p in plans] == [15, 12, 17]


def test_illustrative_actions_take_only_their_texts_from_the_strategy(illustrative, strategy):
    ambitions = {a["number"]: a for a in strategy["ambitions"]}
    for plan in illustrative["plans"]:
        section = plan["sections"][0]
        ambition = ambitions[section["ambition"]]
        assert section["statement"] == ambition["statement"]
        for item in section["actions"]:
            commitment = ambition["commitments"][item["number"] - 1]
            assert item["commitment"] == {"ambition": ambition["number"], "number": commitment["number"]}
            description = " ".join(commitment["description"].split())
            assert description.startswith(item["title"])
            assert 1 <= len(item["details"]) <= 3
            assert [d["letter"] for d in item["details"]] == list("abc"[: len(item["details"])])
            for detail in item["details"]:
                assert detail["text"] in description or detail["text"].lower() == commitment["title"].lower()
                assert len(detail["measures"]) == 1
                assert len(detail["leads"]) == 1 and detail["leads"][0]["post"]
                # A month and the Annual Programme flag; the loader gives the year.
                assert detail["target"] in (
                    {"month": 4, "annual_programme": True},
                    {"month": 9, "annual_programme": False},
                )
            assert "rows" not in item and "update_quarter" not in item  # no published updates
