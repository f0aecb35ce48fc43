"""Reminder e-mails for the open register cycle.

Owners of contracts approaching their end (as at the open cycle) that lack their comment for that cycle;
the Governance & Contracts lead (every contracts officer) about contracts approaching their end that have
no RAG yet. The ContractReminder table makes each (kind, cycle, contract, person) reminder go out at most
once, however often the beat task runs: a contract newly needing something is reminded about on its own.
"""

from django.contrib.auth import get_user_model

from bromley_portal.accounts.roles import Role
from bromley_portal.core.mail import send_once
from contracts.choices import ProcurementStatus
from contracts.models import Contract, ContractReminder, RegisterCycle
from contracts.selectors import needs_owner_comment
from contracts.services import open_cycle

Kind = ContractReminder.Kind


def _approaching_end(cycle: RegisterCycle):
    return (
        Contract.objects.in_register(cycle.as_at)
        .for_lists(cycle.as_at)
        .exclude(procurement_status=ProcurementStatus.NEUTRAL)
        .select_related("commentary")
    )


def owners_to_remind(cycle: RegisterCycle) -> dict:
    """{owner: [contracts]} for contracts approaching their end without the owner's comment for ``cycle``."""
    by_person: dict = {}
    for contract in _approaching_end(cycle):
        owner = contract.owner
        if needs_owner_comment(contract, cycle) and owner.is_active and owner.email:
            by_person.setdefault(owner, []).append(contract)
    return by_person


def leads_to_remind(cycle: RegisterCycle) -> dict:
    """{contracts officer: [contracts]} for contracts approaching their end with no RAG yet."""
    unrated = [c for c in _approaching_end(cycle) if c.procurement_status == ProcurementStatus.AWAITING]
    if not unrated:
        return {}
    leads = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.CONTRACTS_OFFICER)
        .exclude(email="")
        .distinct()
    )
    return dict.fromkeys(leads, unrated)


def _send_once(cycle, kind, person, contracts, template) -> bool:
    """Record then send, in one transaction (bromley_portal.core.mail.send_once): a reminder recorded
    already is not sent again, and one whose e-mail fails is not recorded (the next run tries again)."""

    def record():
        ContractReminder.objects.bulk_create(
            ContractReminder(kind=kind, cycle=cycle, contract=contract, recipient=person)
            for contract in contracts
        )

    context = {"cycle": cycle, "contracts": contracts}
    return send_once(record, person, f"contracts/email/{template}", context)


def send_reminders() -> dict[str, int]:
    """Send the open cycle's reminders not sent yet; returns how many e-mails of each kind went out."""
    cycle = open_cycle()
    if cycle is None:
        return {}
    sent: dict[str, int] = {}
    for kind, people, template in [
        (Kind.OWNER_COMMENT, owners_to_remind(cycle), "owner_reminder"),
        (Kind.RAG_MISSING, leads_to_remind(cycle), "lead_reminder"),
    ]:
        already = set(
            ContractReminder.objects.filter(kind=kind, cycle=cycle).values_list("recipient_id", "contract_id")
        )
        for person, contracts in people.items():
            new = [contract for contract in contracts if (person.pk, contract.pk) not in already]
            if new and _send_once(cycle, kind, person, new, template):
                sent[kind] = sent.get(kind, 0) + 1
    return sent
