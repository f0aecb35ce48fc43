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
    code="CEF", year=2023, actions=3, lead="Director Education", ambition_number=1, **action_fields
):
    """A plan with one ambition section holding ``actions`` actions, each with details and measures."""
    from ambitions.models import Ambition, Post
    from ambitions.services import ensure_portfolios
    from plans.models import Action, ActionDetail, MeasureOfSuccess, PlanSection, PortfolioPlan

    portfolio = ensure_portfolios()[code]
    ambition = Ambition.objects.filter(number=ambition_number).first() or make_strategy().ambitions.get(
        number=ambition_number
    )
    plan, _ = PortfolioPlan.objects.get_or_create(
        portfolio=portfolio, year=year, defaults={"title": f"{code} plan"}
    )
    section, _ = PlanSection.objects.get_or_create(
        plan=plan,
        number=ambition_number,
        defaults={"ambition": ambition, "title": f"Ambition {ambition_number}"},
    )
    post, _ = Post.objects.get_or_create(title=lead)
    start = section.actions.count()
    for number in range(start + 1, start + actions + 1):
        action = Action.objects.create(
            section=section, number=number, title=f"Action {number} of {code}", **action_fields
        )
        action.lead_posts.set([post])
        action.portfolios.set([portfolio])
        ActionDetail.objects.create(action=action, order=1, letter="a", text=f"Detail a of {number}")
        ActionDetail.objects.create(action=action, order=2, letter="b", text=f"Detail b of {number}")
        MeasureOfSuccess.objects.create(action=action, order=1, text=f"Measure of {number}")
    return plan
