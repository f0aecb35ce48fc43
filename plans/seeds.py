"""Loading the council's published plans and measures from ``fixtures/data`` (built from the
documents in ../shared/seeds by fixtures/build_seed_data.py).

A published plan carries its updates as the document printed them: locked, in the quarter they
report, with one update per plan table row (a single row's update is the action's; several rows'
updates are notes on each row's last detail). Loading is safe to repeat: a plan or measure already
there is left as it is.
"""

import json
from datetime import date
from decimal import Decimal

from django.db import transaction

from ambitions.models import Ambition, Portfolio, Post
from ambitions.services import SEED_DATA, current_strategy, ensure_portfolios
from bromley_portal.core.financial_year import FinancialYear
from plans.builders import ActionSpec, DetailSpec, LeadSpec, PlanSpec, SectionSpec, UpdateSpec, build_plan
from plans.choices import PeriodStatus
from plans.models import Action, Measure, PortfolioPlan, Reading, ReportingPeriod

SEED_PLANS = ["plan_cef_2023_24.json", "plan_priorities_2018_19.json"]


def month_date(text: str | None) -> date | None:
    """ "2024-04" -> 1 April 2024."""
    if not text:
        return None
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def published_period(year: int, quarter: int) -> ReportingPeriod:
    """A past period whose updates were published in a plan document: locked as reported."""
    period, _ = ReportingPeriod.objects.get_or_create(
        year=year,
        quarter=quarter,
        defaults={**ReportingPeriod.default_dates(year, quarter), "status": PeriodStatus.LOCKED},
    )
    return period


def detail_spec(item: dict) -> DetailSpec:
    target = item.get("target") or {}
    return DetailSpec(
        letter=item.get("letter") or "",
        text=item.get("text") or "",
        measures=list(item.get("measures", [])),
        target_date=month_date(target.get("date")),
        annual_programme=bool(target.get("annual_programme")),
        leads=[
            LeadSpec(post=lead["post"], written_as=lead.get("written_as", ""))
            for lead in item.get("leads", [])
        ],
    )


def update_spec(entry: dict, period: ReportingPeriod | None) -> list[UpdateSpec]:
    """The action's published update: one row's text on the action, several rows' on their last details."""
    rows = [row for row in entry.get("rows", []) if row.get("update")]
    if period is None or not rows:
        return []
    if len(entry.get("rows", [])) == 1:
        return [UpdateSpec(period=period, narrative=rows[0]["update"])]
    return [UpdateSpec(period=period, notes={row["details"][-1]: row["update"] for row in rows})]


def plan_spec(data: dict) -> PlanSpec:
    """A plan from the seed JSON, with its published updates in the quarter they report."""
    portfolios = {portfolio.code: portfolio for portfolio in Portfolio.objects.all()}
    year = FinancialYear.parse(data["year"]).start_year
    ambitions = {
        ambition.number: ambition for ambition in Ambition.objects.filter(strategy__start_year__lte=year + 1)
    }
    periods: dict[int, ReportingPeriod] = {}

    def period_for(quarter):
        if quarter and quarter not in periods:
            periods[quarter] = published_period(year, quarter)
        return periods.get(quarter)

    sections = []
    for item in data["sections"]:
        actions = [
            ActionSpec(
                number=entry["number"],
                title=entry["title"],
                details=[detail_spec(detail) for detail in entry["details"]],
                portfolios=[portfolios[code] for code in entry.get("portfolios", []) if code in portfolios],
                updates=update_spec(entry, period_for(entry.get("update_quarter"))),
            )
            for entry in item["actions"]
        ]
        sections.append(
            SectionSpec(
                # Ambition sections take the ambition's number, so action 5.3 is under ambition 5.
                number=item["ambition"] or item["number"],
                ambition=ambitions.get(item["ambition"]) if item["ambition"] else None,
                title=item["title"],
                statement=item.get("statement", ""),
                rationale=item.get("rationale", ""),
                key_strategies=item.get("key_strategies", []),
                alignment=item.get("alignment", []),
                actions=actions,
            )
        )
    return PlanSpec(
        portfolio=portfolios[data["portfolio_code"]],
        year=year,
        title=data["title"],
        section_kind=data["section_kind"],
        source=data.get("source", ""),
        illustrative=bool(data.get("illustrative")),
        sections=sections,
    )


@transaction.atomic
def load_plan(data: dict) -> tuple[PortfolioPlan, bool]:
    """Load a plan from the seed JSON. Returns (plan, created); a plan already there is left alone."""
    ensure_portfolios()
    year = FinancialYear.parse(data["year"]).start_year
    existing = PortfolioPlan.objects.filter(portfolio__code=data["portfolio_code"], year=year).first()
    if existing:
        return existing, False
    spec = plan_spec(data)
    return build_plan(spec, reason=f"Loaded from {spec.source or 'the seed data'}"), True


def load_seed_plans() -> list[tuple[PortfolioPlan, bool]]:
    ensure_portfolios()
    return [load_plan(json.loads((SEED_DATA / name).read_text())) for name in SEED_PLANS]


# Measures ------------------------------------------------------------------------


# The council's documents the seed data was taken from (../shared/seeds/README.md), by file: as a reading's
# source names them to a reader, by title and date, never by the extract's file name.
SEED_DOCUMENTS = {
    "000_f7b348c66cff8627.txt": "Making Bromley Even Better 2021-2031, the corporate strategy (2021)",
    "001_e8e78d54940f3605.txt": "Children, Education and Families Portfolio Plan 2023-24, with its updates",
    "002_bb7ee6a6faa8b027.txt": "Scrutiny of the Chief Executive, committee report (September 2022)",
    "003_dda3255221cf2eea.txt": "Children, Education and Families and Renewal, Recreation and Housing plans by "
    "priorities, 2018-19, with quarter 4 updates",
    "004_5e6e92cb38429302.txt": "Children, Education and Families PDS Committee agenda pack (17 November 2022)",
}


def document_title(seed: str) -> str:
    """The document a seed file holds, by title and date (the file name itself if it is not known)."""
    return SEED_DOCUMENTS.get(seed, seed)


def _source_text(source: dict) -> str:
    text = f"{document_title(source['seed'])}, {source['section']}: “{source['quote']}”"
    return f"{text} ({source['note']})" if source.get("note") else text


@transaction.atomic
def load_measures(data: dict) -> int:
    """Load measures and their published readings (fixtures/data/measures.json); returns how many were new.

    A measure already loaded is left as it is, so the demo set-up can run again.
    """
    strategy = current_strategy()
    ambitions = {ambition.number: ambition for ambition in strategy.ambitions.all()} if strategy else {}
    created = 0
    for item in data["measures"]:
        if Measure.objects.filter(slug=item["slug"]).exists():
            continue
        owner = Post.objects.get_or_create(title=item["owner_post"])[0] if item.get("owner_post") else None
        measure = Measure.objects.create(
            slug=item["slug"],
            name=item["name"],
            definition=item["definition"],
            unit=item["unit"],
            polarity=item["polarity"],
            frequency=item["frequency"],
            tolerance=Decimal(str(item.get("tolerance") or 0)),
            owner_post=owner,
        )
        measure.ambitions.set(
            [ambitions[number] for number in item.get("ambitions", []) if number in ambitions]
        )
        actions = []
        for ref in item.get("actions", []):
            code, year = ref["plan"].split()
            actions.extend(
                Action.objects.filter(
                    section__plan__portfolio__code=code,
                    section__plan__year=FinancialYear.parse(year).start_year,
                    section__number=ref["section"],
                    number=ref["number"],
                )
            )
        measure.actions.set(actions)
        for reading in item["readings"]:
            year = FinancialYear.parse(reading["year"]).start_year
            Reading.objects.create(
                measure=measure,
                period=published_period(year, reading["quarter"]),
                **{
                    name: None if reading.get(name) is None else Decimal(str(reading[name]))
                    for name in ("actual", "target", "england", "london", "statistical_neighbours")
                },
                estimated=bool(reading.get("estimated", False)),
                source=_source_text(reading["source"]),
            )
        created += 1
    return created


def load_seed_measures() -> int:
    return load_measures(json.loads((SEED_DATA / "measures.json").read_text()))
