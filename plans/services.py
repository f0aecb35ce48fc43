"""Operations on portfolio plans that span several models: loading and importing."""

import json
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils.text import Truncator

from ambitions.models import Ambition, Portfolio, Post
from ambitions.services import SEED_DATA, ensure_portfolios
from bromley_portal.core.financial_year import FinancialYear
from plans.models import Action, ActionDetail, MeasureOfSuccess, PlanSection, PortfolioPlan

SEED_PLANS = ["plan_cef_2023_24.json", "plan_priorities_2018_19.json"]


def month_date(text: str | None) -> date | None:
    """ "2024-04" -> 1 April 2024."""
    if not text:
        return None
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def posts_named(titles) -> list[Post]:
    return [Post.objects.get_or_create(title=title)[0] for title in titles]


@transaction.atomic
def load_plan(data: dict) -> tuple[PortfolioPlan, bool]:
    """Load a plan from the seed JSON (fixtures/build_seed_data.py). Returns (plan, created).

    A plan already loaded is left as it is, so running the demo set-up again is quick and safe.
    """
    portfolios = {portfolio.code: portfolio for portfolio in Portfolio.objects.all()}
    year = FinancialYear.parse(data["year"]).start_year
    portfolio = portfolios[data["portfolio_code"]]
    existing = PortfolioPlan.objects.filter(portfolio=portfolio, year=year).first()
    if existing:
        return existing, False
    plan = PortfolioPlan.objects.create(
        portfolio=portfolio,
        year=year,
        title=data["title"],
        section_kind=data["section_kind"],
        source=data.get("source", ""),
    )
    ambitions = {
        ambition.number: ambition for ambition in Ambition.objects.filter(strategy__start_year__lte=year + 1)
    }
    for item in data["sections"]:
        section = PlanSection.objects.create(
            plan=plan,
            number=item["number"],
            ambition=ambitions.get(item["ambition"]) if item["ambition"] else None,
            title=item["title"],
            statement=item.get("statement", ""),
            rationale=item.get("rationale", ""),
            key_strategies=item.get("key_strategies", []),
            alignment=item.get("alignment", []),
        )
        for entry in item["actions"]:
            action = Action.objects.create(
                section=section,
                number=entry["number"],
                title=entry["title"],
                target_date=month_date(entry["target_date"]),
                target_date_text=entry["target_date_text"],
                annual_programme=entry["annual_programme"],
                update_text=entry.get("update", ""),
                update_quarter=entry.get("update_quarter") or 4,
            )
            action.lead_posts.set(posts_named(entry["leads"]))
            action.portfolios.set(
                [portfolios[code] for code in entry.get("portfolios", []) if code in portfolios]
            )
            ActionDetail.objects.bulk_create(
                ActionDetail(action=action, order=order, letter=detail["letter"] or "", text=detail["text"])
                for order, detail in enumerate(entry["details"], start=1)
            )
            MeasureOfSuccess.objects.bulk_create(
                MeasureOfSuccess(action=action, order=order, text=text)
                for order, text in enumerate(entry["measures"], start=1)
            )
    return plan, True


def load_seed_plans() -> list[tuple[PortfolioPlan, bool]]:
    ensure_portfolios()
    return [load_plan(json.loads((SEED_DATA / name).read_text())) for name in SEED_PLANS]


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    what: str
    changes: list[str]


def _describe(record, previous, labels, post_titles) -> list[str]:
    if previous is None:
        return []
    changes = []
    for change in record.diff_against(previous).changes:
        label = labels.get(change.field, change.field.replace("_", " "))
        if change.field == "lead_posts":
            old = ", ".join(post_titles.get(row["post"], "?") for row in change.old)
            new = ", ".join(post_titles.get(row["post"], "?") for row in change.new)
        else:
            old, new = change.old, change.new
        changes.append(f"{label}: “{Truncator(old).chars(120)}” → “{Truncator(new).chars(120)}”")
    return changes


def action_history(action) -> list[HistoryEntry]:
    """Who changed what and when: the action, its detail items and its measures, newest first."""
    post_titles = dict(Post.objects.values_list("pk", "title"))
    entries = []
    kinds = [
        ("Action", action.history.all(), lambda record: record.id),
        ("Detail", ActionDetail.history.filter(action_id=action.pk), lambda record: record.id),
        (
            "Measure of success",
            MeasureOfSuccess.history.filter(action_id=action.pk),
            lambda record: record.id,
        ),
    ]
    verbs = {"+": "added", "~": "changed", "-": "removed"}
    for kind, records, key in kinds:
        labels = {field.name: str(field.verbose_name) for field in records.model._meta.fields}
        labels["lead_posts"] = "Lead"
        previous_by_object = {}
        for record in records.select_related("history_user").order_by("history_date", "history_id"):
            previous = previous_by_object.get(key(record))
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=str(record.history_user) if record.history_user else "Data load",
                    what=f"{kind} {verbs[record.history_type]}",
                    changes=_describe(record, previous, labels, post_titles)
                    if record.history_type == "~"
                    else [],
                )
            )
            previous_by_object[key(record)] = record
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
