"""Demo quarterly updates for 2024-25, in every state, so each demo role has something to do.

The CEF 2023-24 plan is rolled forward to 2024-25. Quarter 1 is locked; quarter 2 is open
with updates that are missing, draft, submitted, returned and approved. The demo officer
holds "Director Education" and writes for "Assistant Director Specialist Services" by
delegation; the demo approver holds "Director Children, Education and Families" (CEF).
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from ambitions.models import Post
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Action, Delegation, PortfolioPlan, QuarterlyUpdate, ReportingPeriod
from plans.services import roll_forward_plan

DEMO_YEAR = 2024
NARRATIVES = {
    Rag.GREEN: "On track. The work planned for the quarter is done and the measures are moving the right way.",
    Rag.AMBER: "At risk. Recruitment to two posts is delayed; a revised timetable goes to DLT next month.",
    Rag.RED: "Off track. The provider withdrew in August; we are re-procuring and expect to recover by Q4.",
    Rag.COMPLETE: "Complete. Delivered in the quarter and handed over to business as usual.",
}


@transaction.atomic
def load_demo_updates(stdout=None) -> bool:
    """Returns False, changing nothing, when the demo updates are already there."""
    source = PortfolioPlan.objects.filter(portfolio__code="CEF", year=2023).first()
    if source is None or PortfolioPlan.objects.filter(portfolio__code="CEF", year=DEMO_YEAR).exists():
        return False
    plan = roll_forward_plan(source, DEMO_YEAR)
    User = get_user_model()
    officer = User.objects.filter(username="officer").first()
    approver = User.objects.filter(username="approver").first()
    director_education = Post.objects.get(title="Director Education")
    director_cef = Post.objects.get(title="Director Children, Education and Families")
    director_cef.portfolio = plan.portfolio
    director_cef.save()
    if officer:
        director_education.holders.add(officer)
        Delegation.objects.get_or_create(
            post=Post.objects.get(title="Assistant Director Specialist Services"), delegate=officer
        )
    if approver:
        director_cef.holders.add(approver)

    q1 = ReportingPeriod.objects.create(
        year=DEMO_YEAR, quarter=1, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(DEMO_YEAR, 1)
    )
    q2 = ReportingPeriod.objects.create(
        year=DEMO_YEAR, quarter=2, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(DEMO_YEAR, 2)
    )
    ReportingPeriod.objects.create(year=DEMO_YEAR, quarter=3, **ReportingPeriod.default_dates(DEMO_YEAR, 3))
    ReportingPeriod.objects.create(year=DEMO_YEAR, quarter=4, **ReportingPeriod.default_dates(DEMO_YEAR, 4))

    actions = list(Action.objects.filter(section__plan=plan).order_by("section__number", "number"))
    rags = [Rag.GREEN, Rag.AMBER, Rag.GREEN, Rag.RED, Rag.COMPLETE]
    for index, action in enumerate(actions):
        rag = rags[index % len(rags)]
        QuarterlyUpdate.objects.create(
            action=action, period=q1, rag=rag, narrative=NARRATIVES[rag], status=UpdateStatus.LOCKED
        )
    # Quarter 2: a spread of states; every fifth action has nothing yet.
    states = [UpdateStatus.DRAFT, UpdateStatus.SUBMITTED, UpdateStatus.RETURNED, UpdateStatus.APPROVED, None]
    for index, action in enumerate(actions):
        status = states[index % len(states)]
        if status is None:
            continue
        rag = rags[(index + 1) % len(rags)]
        QuarterlyUpdate.objects.create(
            action=action,
            period=q2,
            rag=rag,
            narrative=NARRATIVES[rag],
            status=status,
            return_comment="Please add this quarter's figures for each measure."
            if status == UpdateStatus.RETURNED
            else "",
            created_by=officer,
            submitted_by=officer if status != UpdateStatus.DRAFT else None,
            decided_by=approver if status in (UpdateStatus.RETURNED, UpdateStatus.APPROVED) else None,
        )
    if stdout:
        stdout.write(f"  {plan}: rolled forward with demo updates for {q1} (locked) and {q2} (open)")
    return True
