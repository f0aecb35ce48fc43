"""The demo meeting: the CEF PDS committee of 17 November 2022 with the reports of seed 004 on its agenda
(their papers are attached or uploaded by a clerk; the meeting stays a draft until then)."""

import datetime

from django.db import transaction
from django.utils import timezone

from ambitions.models import Portfolio
from meetings.choices import DecisionType
from meetings.models import AgendaItem, Meeting

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
