"""The demo meeting: the CEF PDS committee of 17 November 2022 with the reports of seed 004 on its agenda
(their papers are attached or uploaded by a clerk; the meeting stays a draft until then)."""

import datetime

from django.db import transaction
from django.utils import timezone

from ambitions.models import Portfolio, Post
from meetings.choices import ActionStatus, DecisionType
from meetings.models import AgendaItem, CommitteeMembership, Meeting, ScrutinyAction

# Seed 004's reports, in the order of the pack, with their report numbers as the council printed them.
SEED_004_ITEMS = [
    ("4", "Children's Looked After Placement Sufficiency and Commissioning Strategy 2022-2024", "CEF22074"),
    (
        "5",
        "Early Help Strategy for Children (aged from birth to 18) and their Families: our vision for 2030",
        "CEF22066",
    ),
    ("6", "Annual Complaints Report & LG&SCO Letter 2021/22", "CEF22047"),
    ("7", "Contract Register Part 1 (Public)", "CEF22053A"),
]


@transaction.atomic
def load_demo_meeting() -> tuple[Meeting, bool]:
    portfolio = Portfolio.objects.select_related("pds_committee").get(code="CEF")
    starts_at = timezone.make_aware(datetime.datetime(2022, 11, 17, 19, 0))
    meeting, created = Meeting.objects.get_or_create(
        committee=portfolio.pds_committee,
        starts_at=starts_at,
        defaults={"venue": "Bromley Civic Centre, Stockwell Close, Bromley, BR1 3UH"},
    )
    if created:
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=meeting,
                order=order,
                number=number,
                title=title,
                report_number=report_number,
                portfolio=portfolio,
                decision_type=DecisionType.NON_EXECUTIVE,
            )
            for order, (number, title, report_number) in enumerate(SEED_004_ITEMS)
        )
    return meeting, created


# The committee's actions from 17 November 2022 (made up for the demo, on seed 004's agenda items), and a
# next meeting (on a demo date) whose matters-arising report carries them forward.
NEXT_MEETING = datetime.datetime(2023, 1, 24, 19, 0)
DEMO_ACTIONS = [
    (
        "4",
        "Give members a breakdown by ward of looked after children placed more than 20 miles from Bromley, "
        "and the plan to bring placements closer to home.",
        "Director Children, Education and Families",
        datetime.date(2023, 1, 13),
        ActionStatus.IN_PROGRESS,
        "The breakdown is being checked with the placements team and will be circulated before the "
        "January meeting.",
    ),
    (
        "5",
        "Circulate the Early Help performance dashboard to members each quarter, starting with quarter 2 "
        "of 2022/23.",
        "Director Education",
        datetime.date(2022, 12, 16),
        ActionStatus.DONE,
        "Circulated to members on 9 December 2022; it will follow each quarter.",
    ),
    (
        "6",
        "Report the reasons for the Ombudsman's upheld findings in children's social care and the lessons "
        "learned.",
        "Director Children, Education and Families",
        datetime.date(2023, 1, 13),
        ActionStatus.OPEN,
        "",
    ),
    (
        "7",
        "Arrange a briefing for members on retendering the fostering framework before it ends.",
        "Director Education",
        datetime.date(2023, 3, 31),
        ActionStatus.OPEN,
        "",
    ),
]


@transaction.atomic
def load_demo_actions() -> tuple[int, bool]:
    """The demo meeting's scrutiny actions, the demo member on the CEF PDS committee and the committee's
    next meeting. Returns (how many actions, created); safe to run again."""
    from django.contrib.auth import get_user_model

    meeting = Meeting.objects.select_related("committee").get(
        committee__portfolios__code="CEF",
        starts_at=timezone.make_aware(datetime.datetime(2022, 11, 17, 19, 0)),
    )
    member = get_user_model().objects.filter(username="member").first()
    if member:
        CommitteeMembership.objects.get_or_create(committee=meeting.committee, member=member)
    Meeting.objects.get_or_create(committee=meeting.committee, starts_at=timezone.make_aware(NEXT_MEETING))
    if meeting.actions.exists():
        return meeting.actions.count(), False
    items = {item.number: item for item in meeting.items.all()}
    for number, (item, request, post, due_on, status, response) in enumerate(DEMO_ACTIONS, start=1):
        ScrutinyAction.objects.create(
            meeting=meeting,
            number=number,
            agenda_item=items[item],
            request=request,
            post=Post.objects.get_or_create(title=post)[0],
            due_on=due_on,
            recorded_status=status,
            response=response,
            answered_at=timezone.make_aware(datetime.datetime(2022, 12, 9, 12, 0)) if response else None,
            done_at=timezone.make_aware(datetime.datetime(2022, 12, 9, 12, 0))
            if status == ActionStatus.DONE
            else None,
        )
    return len(DEMO_ACTIONS), True
