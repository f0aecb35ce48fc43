"""The complaints model in the report's terms: its database constraints and the divisions loader."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from complaints.choices import (
    AspectOutcome,
    AspectType,
    Channel,
    OmbudsmanDecision,
    Procedure,
    RemedyStage,
    RemedyType,
)
from complaints.models import (
    Aspect,
    Complaint,
    Division,
    Mention,
    OmbudsmanCase,
    OmbudsmanDeadline,
    Remedy,
    Service,
)
from complaints.services import DIVISIONS, load_divisions

pytestmark = pytest.mark.django_db


@pytest.fixture
def division():
    return Division.objects.create(name="Housing", short_name="Housing")


def complaint(**fields):
    return Complaint.objects.create(
        reference=fields.pop("reference", "C1"),
        received=fields.pop("received", date(2026, 5, 1)),
        channel=Channel.EMAIL,
        procedure=Procedure.CODE,
        **fields,
    )


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_loader_puts_in_the_report_divisions_once_and_keeps_admin_edits():
    assert load_divisions() == (8, sum(len(row[-1]) for row in DIVISIONS))
    epp = Division.objects.get(name="Environment & Public Protection")
    assert not epp.records_outcomes and not epp.handled_by_cecs
    assert list(Division.objects.values_list("short_name", flat=True)) == [
        "Adult", "Children", "Housing", "P&R", "Education", "EPP", "CED", "Public Health",
    ]  # fmt: skip
    assert Service.objects.get(name="Hospital Team").division.name == "Adult Social Care"
    epp.short_name = "E&PP"
    epp.save()
    assert load_divisions() == (0, 0)
    assert Division.objects.get(pk=epp.pk).short_name == "E&PP"


def test_a_complaint_cannot_be_answered_acknowledged_due_or_closed_before_it_was_received():
    for field in ["responded_on", "acknowledged_on", "respond_by", "closed_on"]:
        refused(lambda field=field: complaint(reference=field, **{field: date(2026, 4, 30)}))
    assert complaint(responded_on=date(2026, 5, 1)).pk


def test_only_a_later_stage_links_to_an_earlier_one():
    first = complaint()
    refused(lambda: complaint(reference="C1-2", stage=1, escalated_from=first))
    refused(lambda: complaint(reference="C1-4", stage=4))
    assert complaint(reference="C1-2", stage=2, escalated_from=first).escalated_from == first


def test_an_aspect_is_answered_exactly_when_its_outcome_is_not_ongoing(division):
    mention = Mention.objects.create(complaint=complaint(), division=division, order=1)
    aspect = {"mention": mention, "type": AspectType.LACK_OF_ACTION}
    refused(lambda: Aspect.objects.create(**aspect, outcome=AspectOutcome.UPHELD))
    refused(lambda: Aspect.objects.create(**aspect, responded_on=date(2026, 5, 2)))
    refused(lambda: Aspect.objects.create(**aspect, on_time=True))
    assert Aspect.objects.create(**aspect, outcome=AspectOutcome.NOT_KNOWN, responded_on=date(2026, 5, 2))
    assert Aspect.objects.create(**aspect).outcome == AspectOutcome.ONGOING


def test_mentions_are_numbered_once_from_one(division):
    case = complaint()
    Mention.objects.create(complaint=case, division=division, order=1)
    refused(lambda: Mention.objects.create(complaint=case, division=division, order=1))
    refused(lambda: Mention.objects.create(complaint=case, division=division, order=0))


def test_an_ombudsman_decision_after_investigation_needs_one_and_a_date(division):
    case = {"division": division, "received": date(2026, 5, 1)}
    for decision in OmbudsmanDecision.after_investigation():
        refused(
            lambda d=decision: OmbudsmanCase.objects.create(
                reference=d, decision=d, decided=date(2026, 6, 1), **case
            )
        )
    refused(
        lambda: OmbudsmanCase.objects.create(reference="X", decision=OmbudsmanDecision.ADVICE_GIVEN, **case)
    )
    refused(lambda: OmbudsmanCase.objects.create(reference="Y", decided=date(2026, 4, 1), **case))
    upheld = OmbudsmanCase.objects.create(
        reference="22 001 234",
        decision=OmbudsmanDecision.UPHELD,
        decided=date(2026, 6, 1),
        investigated=True,
        **case,
    )
    deadline = OmbudsmanDeadline.objects.create(case=upheld, what="Answers", due=date(2026, 5, 20))
    assert deadline.on_time is None
    deadline.answered = date(2026, 5, 21)
    assert deadline.on_time is False


def test_remedies_are_pounds_and_pence_and_never_negative(division):
    remedy = {
        "division": division,
        "stage": RemedyStage.STAGE_1,
        "type": RemedyType.WRITTEN_OFF,
        "agreed": date(2026, 5, 1),
    }
    refused(lambda: Remedy.objects.create(amount=Decimal("-0.01"), **remedy))
    made = Remedy.objects.create(amount=Decimal("1400.07"), **remedy)
    made.refresh_from_db()
    assert made.amount == Decimal("1400.07")
    assert str(made) == "Written off £1,400.07 (Housing)"
    case = OmbudsmanCase.objects.create(reference="21 000 001", division=division, received=date(2026, 5, 1))
    refused(lambda: Remedy.objects.create(amount=Decimal("1"), ombudsman_case=case, **remedy))
