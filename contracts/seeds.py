"""Loading the council's published register from ``fixtures/data`` (built from seed 004 by
fixtures/build_contract_data.py): the 41 CEF contracts of the September 2022 extract and the key data
of February, May and September 2022.

What the extract does not publish is filled in and marked:

- each contract's procurement status colour (``ProcurementRating.assumed``; the rule is in the JSON);
- its risk criterion scores: the extract gives only Higher or Lower Risk, so a Higher Risk contract is
  scored 3 of 5 on every default criterion (index 60) and a Lower Risk one 1 of 5 (index 20), which
  reproduce the published level with the default threshold of 50;
- a flagged contract that the default flagging rules would not flag on 31 August 2022 is flagged by
  hand (``always_flag``; only 5071, which ends in December 2025).

Owners and approvers become people without a password or a role (they are named in a public paper):
the portal's own people sign in.

Loading is safe to repeat: a contract, cycle or figure already there is left as it is, and a frozen
cycle stays as it was frozen.
"""

import json
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from ambitions.services import SEED_DATA, ensure_portfolios
from contracts import services
from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import (
    Contract,
    ProcurementRating,
    PublishedKeyData,
    RegisterCycle,
    RiskCriterion,
    RiskScore,
)

CONTRACTS_FILE = "contracts_cef_2022.json"
KEY_DATA_FILE = "contracts_key_data_2022.json"
ASSUMED_SCORES = {RiskLevel.HIGHER: 3, RiskLevel.LOWER: 1}
KEY_DATA_FIELDS = ["total", "concern", "higher_risk", "lower_risk", "red", "amber", "green", "neutral"]


def read(name: str) -> dict:
    return json.loads((SEED_DATA / name).read_text(encoding="utf-8"))


def named_person(name: str):
    """A person the register names, found or made by name, who cannot sign in."""
    first, _, last = name.partition(" ")
    username = slugify(name).replace("-", ".")[:150]
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _as_at_moment(as_at: date) -> datetime:
    return timezone.make_aware(datetime.combine(as_at, time(12, 0)))


def _contract_from(row: dict, portfolios: dict) -> Contract:
    return Contract.objects.create(
        council_id=row["council_id"],
        title=row["title"],
        supplier=row["supplier"],
        portfolio=portfolios[row["portfolio"]],
        owner=named_person(row["owner"]),
        approver=named_person(row["approver"]),
        total_value=Decimal(row["total_value"]),
        original_annual_value=Decimal(row["original_annual_value"]),
        current_annual_value=Decimal(row["current_annual_value"]) if row["current_annual_value"] else None,
        start_date=date.fromisoformat(row["start_date"]),
        end_date=date.fromisoformat(row["end_date"]),
        months_duration=row["months_duration"],
        capital=row["capital"],
        status_note=row["status_note"],
        concern=row["concern"],
    )


@transaction.atomic
def load_seed_contracts() -> int:
    """The CEF contracts of the September 2022 extract, as they stood then. Returns how many it made."""
    data = read(CONTRACTS_FILE)
    services.ensure_register_settings()
    portfolios = ensure_portfolios()
    as_at = date.fromisoformat(data["cycle"]["as_at"])
    existing = set(Contract.objects.values_list("council_id", flat=True))
    rows = [row for row in data["contracts"] if row["council_id"] not in existing]
    criteria = list(RiskCriterion.objects.all())
    made = []
    for row in rows:
        contract = _contract_from(row, portfolios)
        made.append(contract)
        score = ASSUMED_SCORES[RiskLevel(row["risk_level"])]
        RiskScore.objects.bulk_create(
            RiskScore(contract=contract, criterion=c, score=score) for c in criteria
        )
    services.refresh_risk(made)
    services.refresh_flags(made)
    statuses = dict(
        Contract.objects.with_statuses(as_at)
        .filter(pk__in=[c.pk for c in made])
        .values_list("pk", "procurement_status")
    )
    for contract, row in zip(made, rows, strict=True):
        flagged = row["procurement_status"] != ProcurementStatus.NEUTRAL
        if flagged and statuses[contract.pk] == ProcurementStatus.NEUTRAL:
            contract.always_flag = True
            contract.save(update_fields=["always_flag"])
        if flagged:
            ProcurementRating.objects.create(
                contract=contract, rag=row["procurement_status"], set_at=_as_at_moment(as_at), assumed=True
            )
    return len(made)


@transaction.atomic
def load_seed_key_data() -> list[tuple[RegisterCycle, bool]]:
    """The cycles of 2022 and the key data their reports published. Returns (cycle, created) pairs."""
    data = read(KEY_DATA_FILE)
    portfolios = ensure_portfolios()
    loaded = []
    for item in data["cycles"]:
        cycle, created = RegisterCycle.objects.get_or_create(
            name=item["name"], defaults={"as_at": date.fromisoformat(item["as_at"])}
        )
        loaded.append((cycle, created))
        rows = [(None, item["all_portfolios"])] + [
            (portfolios[code], f) for code, f in item["portfolios"].items()
        ]
        for portfolio, figures in rows:
            PublishedKeyData.objects.get_or_create(
                cycle=cycle,
                portfolio=portfolio,
                defaults={**{key: figures.get(key) for key in KEY_DATA_FIELDS}, "source": data["source"]},
            )
    return loaded


def load_seed_register() -> dict:
    """The published register: CEF's contracts, the 2022 cycles with their key data, and September 2022
    frozen from the contracts as they stood. Returns what it did, for the demo's output."""
    made = load_seed_contracts()
    cycles = load_seed_key_data()
    september = RegisterCycle.objects.get(name=read(CONTRACTS_FILE)["cycle"]["name"])
    was_frozen = september.is_frozen
    entries = services.freeze_cycle(september)
    return {"contracts": made, "cycles": cycles, "september": (september, entries, not was_frozen)}
