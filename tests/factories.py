"""Named people for tests, one per role, plus an outsider with no role."""

from django.contrib.auth import get_user_model

from bromley_portal.accounts.roles import Role
from bromley_portal.accounts.services import assign_roles

TEST_PASSWORD = "correct-horse-battery-staple"


def make_user(
    role: Role | str | None = None, username: str | None = None, password: str = TEST_PASSWORD, **extra
):
    role = Role(role) if role else None
    username = username or (role.value.lower().replace(" ", "-") if role else "outsider")
    user = get_user_model().objects.create_user(
        username=username,
        password=password,
        first_name=extra.pop("first_name", username.title()),
        last_name=extra.pop("last_name", "Tester"),
        email=extra.pop("email", f"{username}@example.invalid"),
        **extra,
    )
    if role:
        assign_roles(user, [role])
    return user


def make_strategy(ambitions=5):
    """A small made-up strategy: ambitions numbered 1..n with two commitments each."""
    from ambitions.models import Ambition, Commitment, KeyStrategy, Strategy

    strategy = Strategy.objects.create(
        title="Making Testbury Better",
        slug="making-testbury-better",
        start_year=2021,
        end_year=2031,
        vision="A test vision",
    )
    for number in range(1, ambitions + 1):
        ambition = Ambition.objects.create(
            strategy=strategy,
            number=number,
            short_name=f"Ambition {number} name",
            statement=f"Statement {number}",
        )
        for commitment in (1, 2):
            Commitment.objects.create(
                ambition=ambition,
                number=commitment,
                title=f"Commitment {commitment}",
                description="We will test.",
            )
    key = KeyStrategy.objects.create(strategy=strategy, order=1, name="Testbury Plan")
    key.ambitions.set(strategy.ambitions.filter(number__lte=2))
    return strategy


def make_plan(
    code="CEF",
    year=2023,
    actions=3,
    lead="Director Education",
    ambition_number=1,
    target_date=None,
    annual_programme=False,
):
    """A plan with one ambition section holding ``actions`` actions, each with two details (a and b)
    with the target date and the lead, and one measure of success (on a); written by plans.builders,
    the one way plans are written."""
    from ambitions.models import Ambition
    from ambitions.services import ensure_portfolios
    from plans.builders import ActionSpec, DetailSpec, LeadSpec, SectionSpec, write_actions
    from plans.models import PortfolioPlan as Plan

    portfolio = ensure_portfolios()[code]
    ambition = Ambition.objects.filter(number=ambition_number).first() or make_strategy().ambitions.get(
        number=ambition_number
    )
    plan, _ = Plan.objects.get_or_create(portfolio=portfolio, year=year, defaults={"title": f"{code} plan"})
    start = plan.sections.filter(number=ambition_number).values_list("actions__number", flat=True)
    start = max((number for number in start if number), default=0)
    specs = [
        ActionSpec(
            number=number,
            title=f"Action {number} of {code}",
            details=[
                DetailSpec(
                    letter=letter,
                    text=f"Detail {letter} of {number}",
                    measures=[f"Measure of {number}"] if letter == "a" else [],
                    target_date=target_date,
                    annual_programme=annual_programme,
                    leads=[LeadSpec(post=lead)],
                )
                for letter in "ab"
            ],
        )
        for number in range(start + 1, start + actions + 1)
    ]
    write_actions(
        plan,
        [
            SectionSpec(
                number=ambition_number, title=f"Ambition {ambition_number}", ambition=ambition, actions=specs
            )
        ],
        reason="Test data",
    )
    return plan


def make_complaint(
    officer,
    division="Housing",
    *,
    service=None,
    received=None,
    aspects=("lack_of_action",),
    complainant=None,
    today=None,
    **fields,
):
    """A stage 1 complaint logged through complaints.services (divisions loaded first), naming one
    division (by name) and its service (by name, optional) with the given aspect types."""
    from datetime import date

    from complaints.models import Division, Service
    from complaints.services import MentionInput, load_divisions, log_complaint

    load_divisions()
    division = Division.objects.get(name=division)
    service = Service.objects.get(division=division, name=service) if service else None
    received = received or date(2025, 10, 1)
    return log_complaint(
        officer,
        received=received,
        channel=fields.pop("channel", "email"),
        mentions=[MentionInput(division, service, list(aspects))],
        complainant={"name": "Mrs Jones", "email": "jones@example.invalid"}
        if complainant is None
        else complainant,
        today=today or max(received, date(2026, 11, 30)),
        **fields,
    )
