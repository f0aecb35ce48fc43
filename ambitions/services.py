"""Loading the corporate strategy and the council's structure."""

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from ambitions.choices import PORTFOLIOS
from ambitions.models import (
    Ambition,
    Commitment,
    Committee,
    KeyStrategy,
    OutcomeTheme,
    Portfolio,
    Post,
    Strategy,
)
from bromley_portal.reports.registry import Officer

SEED_DATA = Path(settings.BASE_DIR) / "fixtures" / "data"


def ensure_portfolios() -> dict[str, Portfolio]:
    """The six portfolios and their PDS committees (safe to repeat)."""
    portfolios = {}
    for order, (code, name, committee_name) in enumerate(PORTFOLIOS, start=1):
        committee, _ = Committee.objects.get_or_create(name=committee_name)
        portfolios[code], _ = Portfolio.objects.update_or_create(
            code=code, defaults={"name": name, "pds_committee": committee, "order": order}
        )
    return portfolios


@transaction.atomic
def load_strategy(data: dict) -> tuple[Strategy, bool]:
    """Load a strategy from the seed JSON (fixtures/build_seed_data.py). Returns (strategy, created).

    A strategy already loaded is left as it is, so running the demo set-up again is quick and safe.
    """
    start, end = (int(part) for part in data["period"].split("-"))
    slug = slugify(f"{data['title']} {start}")
    existing = Strategy.objects.filter(slug=slug).first()
    if existing:
        return existing, False
    strategy = Strategy.objects.create(
        title=data["title"],
        slug=slug,
        start_year=start,
        end_year=end,
        vision=data["vision"],
        values=data.get("values", []),
        partners=data.get("partners", []),
        source=data.get("source", ""),
    )
    ambitions = {}
    for item in data["ambitions"]:
        ambition = Ambition.objects.create(
            strategy=strategy,
            number=item["number"],
            short_name=item["short_name"],
            statement=item["statement"],
            introduction="\n\n".join(item.get("introduction", [])),
            where_we_are_now="\n\n".join(item.get("where_we_are_now", [])),
        )
        ambitions[ambition.number] = ambition
        lead_ins = {lead["before_commitment"]: lead["text"] for lead in item.get("commitment_lead_ins", [])}
        Commitment.objects.bulk_create(
            Commitment(
                ambition=ambition,
                number=commitment["number"],
                title=commitment["title"],
                description=commitment["description"],
                lead_in=lead_ins.get(commitment["number"], ""),
            )
            for commitment in item["commitments"]
        )
        themes = {theme["theme"]: theme["items"] for theme in item.get("outcome_theme_items", [])}
        OutcomeTheme.objects.bulk_create(
            OutcomeTheme(ambition=ambition, order=order, name=name, items=themes.get(name, []))
            for order, name in enumerate(item.get("outcome_themes", []), start=1)
        )
    for order, item in enumerate(data["key_strategies"], start=1):
        key_strategy = KeyStrategy.objects.create(strategy=strategy, order=order, name=item["name"])
        key_strategy.ambitions.set([ambitions[number] for number in item["ambitions"]])
    return strategy, True


def load_seed_strategy() -> tuple[Strategy, bool]:
    ensure_portfolios()
    return load_strategy(json.loads((SEED_DATA / "strategy.json").read_text()))


def current_strategy() -> Strategy | None:
    return Strategy.objects.order_by("-start_year").first()


def officer_for(post: Post | None) -> Officer | None:
    """A post as a committee report names its officer: the holder's name, the post, telephone and
    e-mail; the post alone when nobody holds it."""
    if post is None:
        return None
    holder = post.holders.filter(is_active=True).order_by("pk").first()
    if holder is None:
        return Officer(name="", title=post.title)
    return Officer(
        name=holder.get_full_name() or holder.username,
        title=post.title,
        phone=holder.phone,
        email=holder.email,
    )
