"""Demo contracts for the five portfolios whose register seed 004 does not print, so every PDS committee
has a register in the one-command portal. They are made up (``illustrative``), dated from today, and the
same on every machine (a fixed random seed). The CEF register is the council's own (contracts.seeds).

Each portfolio gets as many contracts as its September 2022 key data counted (Appendix 1); about two in
five are approaching their end, most of those rated by the demo contracts officer and a few waiting for
a rating; each has risk scores and a Part 2 commentary. A cycle for this month is frozen from them.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ambitions.services import ensure_portfolios
from contracts import services
from contracts.choices import ProcurementStatus
from contracts.models import (
    Contract,
    ContractCommentary,
    FlaggingRule,
    ProcurementRating,
    RegisterCycle,
    RiskCriterion,
    RiskScore,
)
from contracts.seeds import named_person, read

PREFIX = "DEMO-"
SERVICES = {
    "ERC": [
        "Insurance Brokerage Services",
        "Banking Services",
        "ICT Managed Service",
        "Payroll and HR System",
        "Legal Services Framework",
        "Audit Services",
        "Corporate Cleaning",
        "Print and Mail Services",
        "Telephony and Network Services",
        "Cyber Security Monitoring",
    ],
    "ACH": [
        "Domiciliary Care Framework",
        "Extra Care Housing Support",
        "Carers Support Service",
        "Reablement Service",
        "Advocacy Services",
        "Day Opportunities for Older People",
        "Community Equipment Service",
        "Healthwatch Bromley",
    ],
    "ECS": [
        "Waste Collection and Street Cleansing",
        "Grounds Maintenance",
        "Highways Maintenance",
        "Street Lighting Maintenance",
        "Parking Enforcement Services",
        "Arboricultural Services",
    ],
    "RRH": [
        "Temporary Accommodation Procurement",
        "Library Services",
        "Leisure Centre Management",
        "Housing Repairs Framework",
        "Town Centre Management",
        "Regeneration Consultancy",
    ],
    "PPE": [
        "CCTV Monitoring Service",
        "Pest Control Service",
        "Trading Standards Testing",
    ],
}
SUPPLIERS = [
    "Northgate Services Ltd",
    "Ravensbourne Partnership",
    "Crystal Palace Facilities Ltd",
    "Kent Street Solutions",
    "Orpington Care Group",
    "Beckenham Consulting LLP",
    "Thames Gateway Works Ltd",
    "Shortlands Digital Ltd",
    "Penge Community Trust",
    "West Wickham Environmental Ltd",
]
STAFF = ["Priya Shah", "Martin Okafor", "Helen Price", "Ade Bello", "Claire Dunn", "Tomasz Nowak"]
INFLATION = [
    "CPI uplift each April",
    "Fixed price for the term",
    "RPI capped at 3%",
    "London Living Wage uplift",
]


def _person(username: str, fallback: str):
    return get_user_model().objects.filter(username=username).first() or named_person(fallback)


def demo_as_at(today: date) -> date:
    """This month's cycle stands at the last day of last month."""
    return today.replace(day=1) - timedelta(days=1)


def _months_for(value: Decimal, rules) -> int:
    return next((rule.months_before_end for rule in rules if rule.covers(value)), 12)


def _contract(rng, number, code, portfolio, rules, as_at, people) -> tuple[Contract, bool]:
    title = rng.choice(SERVICES[code])
    value = Decimal(round(10 ** rng.uniform(4.71, 6.7))).quantize(Decimal("1"))
    window = _months_for(value, rules)
    approaching = rng.random() < 0.4
    if approaching:
        end = as_at + relativedelta(months=rng.randint(1, window - 1), days=rng.randint(0, 27))
    else:
        end = as_at + relativedelta(months=window + rng.randint(2, 48))
    months = rng.choice([12, 24, 36, 48, 60, 84])
    start = end - relativedelta(months=months) + timedelta(days=1)
    annual = (value * 12 / months).quantize(Decimal("1"))
    owner = people["officer"] if number % 5 == 0 else named_person(rng.choice(STAFF))
    approver = people["approver"] if number % 4 == 0 else named_person(rng.choice(STAFF))
    contract = Contract.objects.create(
        council_id=f"{PREFIX}{number:04d}",
        title=f"{title} (lot {number % 3 + 1})",
        supplier=rng.choice(SUPPLIERS),
        portfolio=portfolio,
        owner=owner,
        approver=approver,
        total_value=value,
        original_annual_value=annual,
        current_annual_value=(annual * Decimal(rng.choice(["1.00", "1.04", "1.08"]))).quantize(
            Decimal("0.01")
        )
        if rng.random() < 0.7
        else None,
        start_date=start,
        end_date=end,
        months_duration=services.months_between(start, end),
        capital=rng.random() < 0.08,
        illustrative=True,
    )
    ContractCommentary.objects.create(
        contract=contract,
        owner_comment="Options appraisal under way; a report to the portfolio holder is planned."
        if approaching
        else "Performing to specification; monitored monthly.",
        procurement_comment="Corporate Procurement supports the timetable." if approaching else "",
        inflation_mechanism=rng.choice(INFLATION),
    )
    return contract, approaching


@transaction.atomic
def load_demo_contracts(today: date | None = None) -> int:
    """The five other portfolios' made-up contracts (none when they are there already). Returns how many."""
    if Contract.objects.filter(council_id__startswith=PREFIX).exists():
        return 0
    services.ensure_register_settings()
    today = today or timezone.localdate()
    as_at = demo_as_at(today)
    rng = random.Random(2022)  # noqa: S311 (made-up demo data, the same on every machine)
    portfolios = ensure_portfolios()
    totals = read("contracts_key_data_2022.json")["cycles"][-1]["portfolios"]
    rules = list(FlaggingRule.objects.all())
    criteria = list(RiskCriterion.objects.all())
    people = {
        "officer": _person("officer", "Olu Adeyemi"),
        "approver": _person("approver", "Grace Whitfield"),
        "contracts": get_user_model().objects.filter(username="contracts").first(),
    }
    made, scores, ratings = [], [], []
    number = 0
    for code in SERVICES:
        for _ in range(totals[code]["total"]):
            number += 1
            contract, approaching = _contract(rng, number, code, portfolios[code], rules, as_at, people)
            made.append(contract)
            scores += [RiskScore(contract=contract, criterion=c, score=rng.randint(0, 5)) for c in criteria]
            roll = rng.random()
            if approaching and roll < 0.9:
                rag = (
                    ProcurementStatus.RED
                    if roll < 0.1
                    else ProcurementStatus.AMBER
                    if roll < 0.35
                    else ProcurementStatus.GREEN
                )
                ratings.append(
                    ProcurementRating(
                        contract=contract, rag=rag, set_by=people["contracts"], set_at=timezone.now()
                    )
                )
    RiskScore.objects.bulk_create(scores)
    ProcurementRating.objects.bulk_create(ratings)
    services.refresh_risk(made)
    services.refresh_flags(made)
    concern = made[3]
    concern.concern, concern.concern_raised_by, concern.concern_raised_at = (
        True,
        people["contracts"],
        timezone.now(),
    )
    concern.save(update_fields=["concern", "concern_raised_by", "concern_raised_at"])
    return len(made)


def freeze_demo_cycle(today: date | None = None) -> tuple[RegisterCycle, int, bool]:
    """This month's cycle, frozen from the register as it stands (once)."""
    as_at = demo_as_at(today or timezone.localdate())
    cycle, _ = RegisterCycle.objects.get_or_create(
        as_at=as_at, defaults={"name": f"{as_at + timedelta(days=1):%B %Y}"}
    )
    was_frozen = cycle.is_frozen
    return cycle, services.freeze_cycle(cycle), not was_frozen
