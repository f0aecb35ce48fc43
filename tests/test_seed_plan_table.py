"""Every detail row of seed 001's plan table, as a reader sees it in the document, against the JSON the
builder writes and against the portal's database after loading it.

The tables below were read by eye from 001_e8e78d54940f3605.txt (the "Action plan" part), not produced
by the builder: one line per detail, with the section (ambition), the action number, the letter ("a"
for "a)", None where the plan prints no letter), the first words of the detail text, the target date
as printed, the lead(s) as printed beside it, and how many measures of success belong to it.

How the document sets a row out, and so how the table reads it:
- A table row can hold several lettered details; its measures, target dates and leads are paragraphs
  side by side with them: one each (a paragraph per detail), or one for the whole row. Where a single
  detail has several measures, its row gives a date (and a lead, 5.1 and 5.5) per measure: the leads
  are then all the detail's, and the dates are all the same.
- 1.1 c), d): three measures and three "April 2024" dates; the two about training (courses held,
  settings and practitioners taking part) are c)'s, the one about home education is d)'s.
- 1.7: a row with an empty detail cell (after c), on the page before d)) has its own measure ("Embed
  THRIVE ..."), date and lead; it is a detail without a letter or text.
- 1.9 b): the lead cell is empty.
- 1.10: four measures for three details with three dates. The document does not say which detail has
  two; the table takes them in order, so c) has the last two (the builder's MEASURE_ASSIGNMENTS says
  the same, marked as an assumption). Only the row's total of 4 is certain.
- 1.15: the detail has no letter; the row runs on to the next page, where only the update continues.
- 5.6: the details are lettered b) and c); there is no a).
- Updates are written per row. An action with a single row reports its update as the action's; an
  action with several rows has one update per row (a note on the row's last detail, covering the
  details of that row).
"""

from __future__ import annotations

import re
from itertools import zip_longest
from typing import NamedTuple

import pytest

from ambitions.services import load_seed_strategy
from plans.choices import PeriodStatus, UpdateStatus
from plans.models import Action, ActionDetail, DetailLead, QuarterlyUpdate
from plans.seeds import load_seed_plans
from tests.seed_documents import CEF_PLAN_SEED, load, seed_text


class Detail(NamedTuple):
    ambition: int
    action: int
    letter: str | None
    starts: str  # the first words of the detail's text ("" where the detail cell is empty)
    target: str  # as printed
    leads: tuple[str, ...]  # as printed, in order
    measures: int


AP = "April 2024 (AP)"
APRIL = "April 2024"
ED = ("Director Education",)
AD_SS = ("Assistant Director Specialist Services",)
AD_CSC_CURLY = ("Assistant Director, Children’s Social Care, Safeguarding & Care Planning Services",)
AD_CSC_STRAIGHT = ("Assistant Director, Children's Social Care, Safeguarding & Care Planning Services",)
AD_SPCT = ("Assistant Director Strategy, Performance and Corporate Transformation",)
BSCP = ("Independent Chair of Bromley Safeguarding Children’s Partnership (BSCP)",)
SCM_SHORT = ("Senior Commissioning Manager – C&YP’s Mental Health & Wellbeing",)
SCM_LONG = ("Senior Commissioning Manager – Children and Young People’s Mental Health and Wellbeing",)
HOS_025 = ("Head of Service, 0-25 Service, Children and Young People with Disabilities",)
DCEF = ("Director Children, Education and Families",)
DCFE = ("Director Children, Families and Education",)

# fmt: off
DETAILS = [
    # Ambition 1
    Detail(1, 1, "a", "Promote educational inclusion for all.", AP, ED, 1),
    Detail(1, 1, "b", "Work with local early years settings and childminders", AP, ED, 1),
    Detail(1, 1, "c", "Promote school readiness through the provision of training", APRIL, ED, 2),
    Detail(1, 1, "d", "Work with parents choosing to electively home educate", APRIL, ED, 1),
    Detail(1, 2, "a", "Enable all children to access good educational outcomes", "Sept 2023", ED, 1),
    Detail(1, 2, "b", "Sufficient school places to sustain percentage of pupils", AP, ED, 1),
    Detail(1, 2, "c", "Sufficient local provision for children with special educational needs", AP, ED, 1),
    Detail(1, 3, "a", "Ensure that there is a strong and coherent offer of support", AP, ED, 1),
    Detail(1, 4, "a", "Place prevention and early intervention at the heart", AP, SCM_SHORT, 1),
    Detail(1, 4, "b", "Ensure staff supporting families are trained in mental health first aid", AP, SCM_SHORT, 1),
    Detail(1, 4, "c", "Embed and develop our new THRIVE inhouse therapeutic provision.", AP, AD_SS, 1),
    Detail(1, 5, "a", "Enable parents to access information, advice, and support", AP, AD_SS, 2),
    Detail(1, 5, "b", "Continue to provide high quality and timely information", AP, AD_SS, 1),
    Detail(1, 6, "a", "Carry out an annual Strategic Threat Assessment", AP, BSCP, 1),
    Detail(1, 6, "b", "The Safeguarding Partnership challenges partners’ safeguarding practices", AP, BSCP, 1),
    Detail(1, 6, "c", "Bromley Safeguarding Partnership commission a comprehensive training", AP, BSCP, 1),
    Detail(1, 6, "d", "Children and Family Act 2014 Assessments carried out promptly", AP, AD_CSC_CURLY, 1),
    Detail(1, 7, "a", "Ensure sufficiency of good quality placements", AP, ("Director Children's Education and Families",), 1),
    Detail(1, 7, "b", "Improve education, employment and training outcomes", AP, AD_CSC_STRAIGHT, 1),
    Detail(1, 7, "c", "Ensuring easy access to Bromley health services", AP, AD_CSC_STRAIGHT, 1),
    Detail(1, 7, None, "", AP, AD_SS, 1),  # empty detail cell; measure "Embed THRIVE (mental health) ..."
    Detail(1, 7, "d", "Further develop the local offer for care leavers", AP, AD_CSC_CURLY, 1),
    Detail(1, 8, "a", "Implement our SEND vision and priorities.", AP, ED, 1),
    Detail(1, 8, "b", "Increase the effectiveness of partnership working", AP, ("Director of Education",), 1),
    Detail(1, 8, "c", "Improve services for children and young people with social communication", AP, ("Associate Director of Integrated Commissioning",), 1),
    Detail(1, 9, "a", "Mainstream schools and settings are able to provide", AP, ED, 1),
    Detail(1, 9, "b", "Ensure sufficient schools places to meet rising demand", AP, (), 1),  # empty lead cell
    Detail(1, 9, "c", "Transform the Bromley CYP Integrated Therapies", AP, ("Associate Director Children's Commissioning",), 1),
    Detail(1, 10, "a", "Helping young people prepare for adulthood", AP, HOS_025, 1),
    Detail(1, 10, "b", "Providing services that are focused on how they can support", AP, HOS_025, 1),
    Detail(1, 10, "c", "Achieving an effective, fully engaged, strategic partnership", AP, HOS_025, 2),  # 4 in the row
    Detail(1, 11, "a", "Enable young carers to access information", AP, ("Assistant Director Integrated Commissioning",), 1),
    Detail(1, 12, "a", "Transform the Bromley CYP Mental Health and Wellbeing Single Point of Access", APRIL, SCM_LONG, 1),
    Detail(1, 12, "b", "Reduce the number of referrals of children and young people into A&E", AP, SCM_LONG, 1),
    Detail(1, 12, "c", "Establish an eating disorders early intervention pilot", APRIL, SCM_LONG, 1),
    Detail(1, 13, "a", "Provide multi-agency support to those at risk", AP, AD_SS, 1),
    Detail(1, 13, "b", "Address disproportionality", AP, AD_SS, 1),
    Detail(1, 13, "c", "Provide multi-agency support to CYP with SEND", AP, AD_SS, 1),
    Detail(1, 13, "d", "To ensure Speech and Language Therapy (SALT) support", AP, AD_SS, 1),
    Detail(1, 14, "a", "Review Youth Services", APRIL, AD_SS, 1),
    Detail(1, 14, "b", "Provide careers advice and offer work experience", AP, AD_SS, 1),
    Detail(1, 15, None, "Loneliness Champion to continue to build local partnership working", AP, AD_SPCT, 1),
    # Ambition 5
    Detail(5, 1, "a", "Work within our budgets and maintain sound financial processes", AP, DCEF + AD_SPCT, 2),
    Detail(5, 2, "a", "Lobby the government for increased resources", AP, DCEF, 1),
    Detail(5, 3, "a", "Recruit and retain the highest quality staff", AP, (*DCEF, "Director of HR"), 1),
    Detail(5, 4, "a", "Commission services intelligently", AP, ("Assistant Director of Integrated Commissioning",), 3),
    Detail(5, 5, "a", "Exploit the benefits of digitalisation", AP, (*DCFE, "Assistant Director of Specialist Services"), 2),
    Detail(5, 6, "b", "Maintain effective strategic and operational partnership", AP, DCFE, 1),
    Detail(5, 6, "c", "Maintain and Effective ‘Engagement Framework’", AP, AD_SPCT, 1),
]
# fmt: on

# The posts behind the plan's spellings (the portal keeps one post; DetailLead.written_as the wording).
POSTS = {
    "Director of Education": "Director Education",
    "Director Children's Education and Families": "Director Children, Education and Families",
    "Director Children, Families and Education": "Director Children, Education and Families",
    "Assistant Director of Specialist Services": "Assistant Director Specialist Services",
    "Assistant Director of Integrated Commissioning": "Assistant Director Integrated Commissioning",
    AD_CSC_STRAIGHT[0]: AD_CSC_CURLY[0],
    SCM_SHORT[0]: SCM_LONG[0],
}


class Update(NamedTuple):
    covers: tuple[str | None, ...]  # the letters of the row's details
    starts: str
    ends: str


# Each row's update, first and last words as printed (the page break in 1.15 joined up).
# fmt: off
UPDATES = {
    (1, 1): [
        Update(("a", "b"), "Early years directory published annually and updated weekly.", "during the 2023/24 academic year."),
        Update(("c", "d"), "Training summary", "within the revised Education Welfare Service"),
    ],
    (1, 2): [Update(("a", "b", "c"), "96% of Bromley Schools are good or outstanding", "currently at feasibility stage.")],
    (1, 3): [Update(("a",), "Offer in place and circulated to schools.", "for vulnerable and disadvantaged pupils.")],
    (1, 4): [
        Update(("a", "b"), "Bromley was awarded a third Mental Health Support Team", "Mental Health and Wellbeing contracting processes."),
        Update(("c",), "THRIVE have received 64 referrals", "Special Guardianship Orders from April 2023 to date."),
    ],
    (1, 5): [
        Update(("a",), "EIFS social media platforms actively promote services", "attendance is excellent with sell-out dates."),
        Update(("b",), "A range of bespoke training is available", "Parenting Hub website for parents and professionals and active."),
    ],
    (1, 6): [
        Update(("a", "b", "c"), "Five Strategic Threat Assessments published to date.", "monitors quality and impact of training."),
        Update(("d",), "92% of assessments were completed within timeframe (YTD – December 2023)", "during the assessment."),
    ],
    (1, 7): [
        Update(("a", "b"), "CLA Sufficiency Strategy 2022-2024 was signed off", "Delivery began January 2024."),
        Update(("c",), "Creation of ETE Improvement board in March 2024", "81% of immunisations for CLA are in timeframe."),
        Update((None,), "The THRIVE Team provides therapeutic intervention", "to manage difficult feelings."),
        Update(("d",), "Consultation, engagement and coproduction with Bromley Living in Care Council", "have been published and shared."),
    ],
    (1, 8): [
        Update(("a",), "EHCP timeliness is reported on a calendar year basis.", "improving overall 20 week timeliness."),
        Update(("b",), "Continued and focused work delivered by SEN Advisory Teams", "co-production of families and professionals."),
        Update(("c",), "Bromley Council and NHS South-East London Integrated Care Board (ICB)", "to address current waiting time pressures."),
    ],
    (1, 9): [
        Update(("a",), "Continuing to provide traded and project work through EP Service", "higher levels of inclusion."),
        Update(("b",), "DfE feasibility for SEN Free School underway.", "to enable surveys to be completed."),
        Update(("c",), "We have been working across Bromley Healthcare, ICB and Council", "for the successful delivery of the model."),
    ],
    (1, 10): [Update(("a", "b", "c"), "A third worker has now been recruited", "will support future commissioning of services.")],
    (1, 11): [Update(("a",), "A Carers Plan, including support to young carers", "Families PDS in September 2023.")],
    (1, 12): [
        Update(("a", "b"), "Work continues to progress on the creation of an integrated single point", "promote early intervention and prevention."),
        Update(("c",), "The Pilot is progressing well", "inform future commissioning decisions."),
    ],
    (1, 13): [
        Update(("a", "b"), "London Borough of Bromley’s rate of first-time entrants", "the children who access this service."),
        Update(("c",), "We have a new refreshed Youth Justice Plan 2023/24", "information giving in indirect reparation."),
        Update(("d",), "Young people coming into the service have an initial SALT SCREENING", "part of their YJS intervention"),
    ],
    (1, 14): [Update(("a", "b"), "The youth service review continues", "information, advice and guidance and employability support.")],
    (1, 15): [Update((None,), "As part of the Children and Family Assessments", "for all new Council members.")],
    (5, 1): [Update(("a",), "Quarterly budget monitoring enables effective Member oversight.", "evidence on resource pressures.")],
    (5, 2): [Update(("a",), "Children’s services take every opportunity to lobby", "around the Deficit recovery plan.")],
    (5, 3): [Update(("a",), "The Recruitment and Retention Board Chaired by the Director of HR", "the Proud to Care initiative.")],
    (5, 4): [Update(("a",), "Contracts continue to be monitored robustly", "will be commissioned in the future.")],
    (5, 5): [Update(("a",), "New Microsoft Power BI dashboards are being developed", "the feedback was overwhelmingly positive.")],
    (5, 6): [
        Update(("b",), "Operational and strategic partnership work is ongoing and mature.", "with contemporary intelligence."),
        Update(("c",), "New framework and toolkit developed during 2022/23.", "feedback findings amongst other professionals."),
    ],
}
# fmt: on
MULTI_ROW = sorted(key for key, rows in UPDATES.items() if len(rows) > 1)


def as_read(found: Detail, expected: Detail) -> Detail:
    """What was found, with its text cut to as many words as the table gives."""
    return found._replace(starts=found.starts[: len(expected.starts)] if expected.starts else found.starts)


def expected_updates() -> dict:
    return {key: [(row.covers, row.starts, row.ends) for row in rows] for key, rows in UPDATES.items()}


def as_read_updates(found: dict) -> dict:
    """Updates found, {action: [(letters, text)]}, each cut to as long as the table's first and last
    words (a row the table does not have shows its first and last 60 characters)."""
    cut = {}
    for key, rows in found.items():
        table = UPDATES.get(key, [])[: len(rows)]
        cut[key] = [
            (covers, text[: len(row.starts)], text[len(text) - len(row.ends) :])
            if row
            else (covers, text[:60], text[-60:])
            for (covers, text), row in zip_longest(rows, table)
        ]
    return cut


def flatten(text: str) -> str:
    return " ".join(text.split())


def bare(update: str) -> str:
    """An update without its list markers, as the words run in the document."""
    return flatten(re.sub(r"(?m)^\s*- ", "", update))


# --------------------------------------------------------------------------- the table itself


def test_the_table_has_every_detail_row_of_the_plan():
    assert len(DETAILS) == 49
    assert sum(d.measures for d in DETAILS) == 56
    per_action = {}
    for d in DETAILS:
        per_action.setdefault((d.ambition, d.action), []).append(d.letter)
    assert sorted(per_action) == sorted(UPDATES)
    assert [key for key in per_action if key[0] == 1] == [(1, n) for n in range(1, 16)]
    assert [key for key in per_action if key[0] == 5] == [(5, n) for n in range(1, 7)]
    for key, rows in UPDATES.items():  # every detail sits in one row
        assert [letter for row in rows for letter in row.covers] == per_action[key], key
    assert MULTI_ROW == [(1, 1), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (1, 12), (1, 13), (5, 6)]


def test_the_table_quotes_the_seed():
    """A check on the reading (not on the builder): what the table quotes is in the document."""
    text = seed_text(CEF_PLAN_SEED)
    text = text[text.index("Action plan") : text.index("Our ambitions framework")]
    plan = flatten(text)
    for d in DETAILS:
        assert d.starts in plan, d
        assert d.target in plan, d
        for lead in d.leads:
            assert lead in plan, d
    for rows in UPDATES.values():
        for row in rows:
            assert row.starts in plan and row.ends in plan, row
    # Lettered details as the DETAIL cells print them: "<p>a) ..." or, in 5.1, a bare "a) ...".
    cells = [line.split("\t")[1] for line in text.splitlines() if line.count("\t") >= 4]
    letters = [m for cell in cells for m in re.findall(r"(?:^|<p>)([a-d])\) ", cell)]
    assert len(letters) == sum(1 for d in DETAILS if d.letter)


# --------------------------------------------------------------------------- (a) the JSON


@pytest.fixture(scope="module")
def cef() -> dict:
    return load("plan_cef_2023_24.json")


def json_details(cef: dict) -> list[Detail]:
    return [
        Detail(
            section["ambition"],
            item["number"],
            detail["letter"],
            detail["text"],
            detail["target"]["text"],
            tuple(lead["written_as"] for lead in detail["leads"]),
            len(detail["measures"]),
        )
        for section in cef["sections"]
        for item in section["actions"]
        for detail in item["details"]
    ]


def test_json_has_every_detail_as_the_document_prints_it(cef):
    found = json_details(cef)
    assert len(found) == len(DETAILS)
    assert [as_read(f, e) for f, e in zip(found, DETAILS, strict=True)] == DETAILS


def test_json_leads_are_the_posts_behind_the_wording(cef):
    for section in cef["sections"]:
        for item in section["actions"]:
            for detail in item["details"]:
                for lead in detail["leads"]:
                    assert lead["post"] == POSTS.get(lead["written_as"], lead["written_as"])


def test_json_keeps_each_rows_update(cef):
    found = {}
    for section in cef["sections"]:
        for item in section["actions"]:
            assert item["update_quarter"] == 3
            found[(section["ambition"], item["number"])] = [
                (tuple(item["details"][i]["letter"] for i in row["details"]), bare(row["update"]))
                for row in item["rows"]
            ]
    assert as_read_updates(found) == expected_updates()


# --------------------------------------------------------------------------- (b) the database


@pytest.fixture
def loaded(db):
    load_seed_strategy()
    load_seed_plans()
    return Action.objects.filter(section__plan__portfolio__code="CEF", section__plan__year=2023)


def printed_in_full(target: str) -> str:
    """The portal shows a detail's month in full ("September 2023" where the plan prints "Sept 2023")."""
    return target.replace("Sept ", "September ")


def test_database_has_every_detail_as_the_document_prints_it(loaded):
    details = (
        ActionDetail.objects.filter(action__in=loaded)
        .select_related("action__section__ambition")
        .prefetch_related("measures_of_success", "leads__post")
        .order_by("action__section__number", "action__number", "order")
    )
    found = [
        Detail(
            detail.action.section.ambition.number,
            detail.action.number,
            detail.letter or None,
            detail.text,
            detail.target_text,
            tuple(lead.title for lead in detail.leads.all()),
            len(detail.measures_of_success.all()),
        )
        for detail in details
    ]
    expected = [d._replace(target=printed_in_full(d.target)) for d in DETAILS]
    assert len(found) == len(expected)
    assert [as_read(f, e) for f, e in zip(found, expected, strict=True)] == expected


def test_database_leads_are_posts_with_the_plan_wording(loaded):
    leads = DetailLead.objects.filter(detail__action__in=loaded).select_related("post")
    for lead in leads:
        written = lead.written_as or lead.post.title
        assert lead.post.title == POSTS.get(written, written)
    # One post for each spelling; the wording kept where it differs from the post's title.
    assert {(lead.written_as, lead.post.title) for lead in leads if lead.written_as} == set(POSTS.items())
    assert len({lead.post_id for lead in leads}) == 12


def test_database_has_the_seed_updates_in_2023_24_quarter_3_locked(loaded):
    updates = QuarterlyUpdate.objects.filter(action__in=loaded).select_related("period", "action__section")
    assert updates.count() == len(UPDATES) == 21
    assert {str(update.period) for update in updates} == {"2023-24 Q3"}
    assert {update.status for update in updates} == {UpdateStatus.LOCKED}
    assert {update.period.status for update in updates} == {PeriodStatus.LOCKED}


def test_database_updates_sit_where_the_plan_writes_them(loaded):
    """A single row's update is the action's narrative; several rows' are notes, each on its row's last
    detail and covering the details of that row."""
    found, where = {}, {}
    for action in loaded.select_related("section").prefetch_related("details", "updates__notes__detail"):
        key = (action.section.number, action.number)
        update = action.updates.get()
        notes = update.notes_in_order()
        if notes:
            assert update.narrative == "", key
            where[key] = [note.detail.letter or None for note in notes]
            found[key] = [
                (tuple(d.letter or None for d in note.covered), bare(note.narrative)) for note in notes
            ]
        else:
            where[key] = "the action"
            found[key] = [(tuple(d.letter or None for d in action.details.all()), bare(update.narrative))]
    assert as_read_updates(found) == expected_updates()
    assert where == {
        key: "the action" if len(rows) == 1 else [row.covers[-1] for row in rows]
        for key, rows in UPDATES.items()
    }


def test_database_says_which_details_each_note_covers(loaded):
    def covers(number, section=1):
        update = loaded.get(section__number=section, number=number).updates.get()
        return [note.covers for note in update.notes_in_order()]

    assert covers(1) == ["a) and b)", "c) and d)"]
    assert covers(6) == ["a) to c)", "d)"]
    assert covers(7) == ["a) and b)", "c)", "this row", "d)"]
    assert covers(6, section=5) == ["b)", "c)"]
