"""A small council for the read API and open data tests: people with distinctive names, one per role;
CEF's 2024-25 plan of three actions; quarter 1 locked (one update locked as reported, one closed as not
received, one locked and amended) and quarter 2 open (one update approved, one submitted, one a draft
returned with a comment); a measure with two readings; a contract with a Part 2 commentary; a complaint
from a named complainant. ``SECRETS`` are the words that must never reach the API or the open data;
``UNPUBLISHED`` those that the open data must not carry (the API's readers see approved updates, as
the actions page shows them)."""

from datetime import date
from decimal import Decimal

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Action, Amendment, Measure, QuarterlyUpdate, Reading, ReportingPeriod
from tests.contract_factories import contract_person, make_contract
from tests.factories import make_complaint, make_plan, make_user

SECRETS = [
    "Secret submitted words",
    "Secret draft words",
    "Private return comment",
    "Part two commentary words",
    "Part two procurement words",
    "Mrs Quentina Jones",
    "quentina@example.invalid",
    "What Mrs Jones told us",
    "Zebediah",  # every person's first name
    "@example.invalid",
]
UNPUBLISHED = ["Approved but open words"]
PUBLISHED = ["Published Q1 words", "Amended Q1 words"]


def person(role):
    slug = role.value.lower().replace(" ", "-") if role else "no-role"
    return make_user(role, username=f"api-{slug}", first_name="Zebediah", last_name=f"{slug.title()}son")


def build(people=None) -> dict:
    people = people or {role: person(role) for role in [*Role, None]}
    plan = make_plan(code="CEF", year=2024, actions=3)
    actions = list(Action.objects.filter(section__plan=plan).order_by("number"))
    Post.objects.get(title="Director Education").holders.add(people[Role.OFFICER])
    q1 = ReportingPeriod.objects.create(
        year=2024, quarter=1, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2024, 1)
    )
    q2 = ReportingPeriod.objects.create(
        year=2024, quarter=2, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(2024, 2)
    )
    author = {"created_by": people[Role.OFFICER], "submitted_by": people[Role.OFFICER]}
    QuarterlyUpdate.objects.create(
        action=actions[0],
        period=q1,
        rag=Rag.GREEN,
        narrative="Published Q1 words",
        status=UpdateStatus.LOCKED,
        **author,
    )
    QuarterlyUpdate.objects.create(action=actions[1], period=q1, status=UpdateStatus.NOT_RECEIVED)
    amended = QuarterlyUpdate.objects.create(
        action=actions[2],
        period=q1,
        rag=Rag.GREEN,
        narrative="Before amendment",
        status=UpdateStatus.LOCKED,
        **author,
    )
    Amendment.objects.create(
        update=amended,
        rag=Rag.RED,
        narrative="Amended Q1 words",
        reason="Corrected",
        created_by=people[Role.CLERK],
    )
    QuarterlyUpdate.objects.create(
        action=actions[0],
        period=q2,
        rag=Rag.AMBER,
        narrative="Approved but open words",
        status=UpdateStatus.APPROVED,
        **author,
    )
    QuarterlyUpdate.objects.create(
        action=actions[1],
        period=q2,
        rag=Rag.RED,
        narrative="Secret submitted words",
        status=UpdateStatus.SUBMITTED,
        **author,
    )
    QuarterlyUpdate.objects.create(
        action=actions[2],
        period=q2,
        rag=Rag.RED,
        narrative="Secret draft words",
        return_comment="Private return comment",
        status=UpdateStatus.RETURNED,
        **author,
    )
    measure = Measure.objects.create(
        slug="schools-good",
        name="Schools good or outstanding",
        definition="Schools judged good or outstanding",
        unit="percentage",
        polarity="higher_is_better",
        frequency="quarterly",
        tolerance=Decimal("2"),
    )
    Reading.objects.create(measure=measure, period=q1, actual=Decimal("1234.50"), target=95)
    Reading.objects.create(measure=measure, period=q2, actual=94, target=95)
    owner = contract_person("zeb-owner", "Zebediah", "Ownerson")
    contract = make_contract(
        title="School meals",
        total_value=Decimal("1250000.00"),
        start_date=date(2023, 4, 1),
        end_date=date(2030, 3, 31),
        months_duration=84,
        owner=owner,
        approver=people[Role.APPROVER],
        commentary={
            "owner_comment": "Part two commentary words",
            "procurement_comment": "Part two procurement words",
        },
    )
    complaint = make_complaint(
        people[Role.COMPLAINTS_OFFICER],
        received=date(2024, 6, 3),
        complainant={"name": "Mrs Quentina Jones", "email": "quentina@example.invalid"},
        summary="What Mrs Jones told us",
        today=date(2024, 6, 3),
    )
    return {
        "people": people,
        "plan": plan,
        "actions": actions,
        "q1": q1,
        "q2": q2,
        "measure": measure,
        "contract": contract,
        "complaint": complaint,
    }
