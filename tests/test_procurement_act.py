"""The Procurement Act 2023 on the register: its dates and thresholds told once (contracts.procurement_act),
KPIs and their assessments with history, the contracts short of the KPI duty, the pipeline of planned
procurements, and the KPI panel on the contract page."""

from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bromley_portal.accounts.roles import Role
from bromley_portal.core.choices import status_set
from contracts import kpis
from contracts import procurement_act as act
from contracts.models import ContractKPI, KPIAssessment
from tests.contract_factories import make_contract, uniform_scores

TODAY = date(2026, 11, 30)
BIG = Decimal("5000000.01")


def under_act(**fields):
    """A live contract of more than £5m that started after the Act came into force."""
    values = {
        "total_value": BIG,
        "original_annual_value": Decimal("1000000"),
        "start_date": date(2025, 4, 1),
        "end_date": date(2030, 3, 31),
        "months_duration": 60,
        "scores": uniform_scores(1),
    }
    values.update(fields)
    return make_contract(**values)


def with_kpis(contract, n=3, set_on=None):
    return [kpis.set_kpi(contract, f"KPI {i}", set_on or contract.start_date) for i in range(1, n + 1)]


# The Act's dates and thresholds ------------------------------------------------------------------


def test_the_acts_dates_and_thresholds_are_as_the_guidance_tells_them():
    assert date(2025, 2, 24) == act.IN_FORCE
    assert Decimal("5000000") == act.KPI_VALUE_THRESHOLD
    assert act.KPI_MINIMUM == 3
    assert act.KPI_ASSESSMENT_INTERVAL_MONTHS == 12
    assert Decimal("100000000") == act.PIPELINE_SPEND_THRESHOLD
    assert Decimal("2000000") == act.PIPELINE_CONTRACT_THRESHOLD
    assert act.PIPELINE_HORIZON_MONTHS == 18
    assert act.PIPELINE_PUBLISH_WITHIN_DAYS == 56


def test_the_ratings_are_the_acts_five_with_label_short_label_and_colour():
    assert [r.label for r in act.KPIRating] == [
        "Good",
        "Approaching target",
        "Requires improvement",
        "Inadequate",
        "Other",
    ]
    assert act.KPIRating.APPROACHING.short_label == "Approaching"
    assert act.KPIRating.INADEQUATE.colour == "red"
    assert status_set("kpi_rating") is act.KPIRating


@pytest.mark.parametrize(
    "value, start, applies",
    [
        (Decimal("5000000.01"), date(2025, 2, 24), True),  # the day it came into force
        (Decimal("5000000.00"), date(2025, 6, 1), False),  # "more than £5m": exactly £5m is not
        (Decimal("9000000"), date(2025, 2, 23), False),  # the day before: the old rules
        (Decimal("9000000"), date(2026, 1, 1), True),
    ],
)
def test_the_kpi_duty_covers_contracts_of_more_than_5m_since_the_act(value, start, applies):
    assert act.kpi_duty_applies(value, start) is applies


def test_an_assessment_is_due_twelve_months_after_the_last_or_the_start():
    assert act.assessment_due(date(2025, 4, 1), None) == date(2026, 4, 1)
    assert act.assessment_due(date(2025, 4, 1), date(2026, 2, 28)) == date(2027, 2, 28)
    assert act.assessment_cutoff(date(2026, 11, 30)) == date(2025, 11, 30)


def test_the_pipeline_window_is_18_months_from_the_financial_years_first_day():
    assert act.pipeline_window(date(2026, 11, 30)) == (date(2026, 4, 1), date(2027, 9, 30))
    assert act.pipeline_window(date(2027, 2, 1)) == (date(2026, 4, 1), date(2027, 9, 30))
    assert act.pipeline_window(date(2027, 4, 1)) == (date(2027, 4, 1), date(2028, 9, 30))
    assert act.pipeline_publish_by(date(2026, 11, 30)) == date(2026, 5, 26)  # 56 days from 1 April
    assert act.pipeline_required(Decimal("100000000.01"))
    assert not act.pipeline_required(Decimal("100000000"))


# KPIs and assessments ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_assessments_keep_rating_date_who_and_history(people):
    lead = people[Role.CONTRACTS_OFFICER]
    contract = under_act()
    kpi = kpis.set_kpi(contract, "Calls answered in 20 seconds", date(2025, 4, 1), target="95%")
    first = kpis.assess_kpi(kpi, act.KPIRating.APPROACHING, date(2026, 3, 31), lead, TODAY, note="91%")
    assert first.rated is act.KPIRating.APPROACHING
    assert first.assessed_by == lead
    first.rating = act.KPIRating.GOOD
    first.save()
    history = list(first.history.order_by("history_date"))
    assert [h.rating for h in history] == ["approaching", "good"]
    assert kpi.history.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "rating, assessed_on, message",
    [
        ("excellent", date(2026, 1, 1), "Choose a rating"),
        (act.KPIRating.GOOD, date(2026, 12, 1), "cannot be in the future"),
        (act.KPIRating.GOOD, date(2025, 3, 1), "before the KPI was set"),
    ],
)
def test_a_bad_assessment_is_refused_with_a_clear_message_and_nothing_saved(
    people, rating, assessed_on, message
):
    kpi = with_kpis(under_act(), 1)[0]
    with pytest.raises(ValidationError) as refused:
        kpis.assess_kpi(kpi, rating, assessed_on, people[Role.CONTRACTS_OFFICER], TODAY)
    assert message in str(refused.value)
    assert not KPIAssessment.objects.exists()


@pytest.mark.django_db
def test_a_second_assessment_on_the_same_day_and_a_repeated_kpi_are_refused(people):
    contract = under_act()
    kpi = with_kpis(contract, 1)[0]
    kpis.assess_kpi(kpi, act.KPIRating.GOOD, date(2026, 1, 1), None, TODAY)
    with pytest.raises(ValidationError, match="already has an assessment"):
        kpis.assess_kpi(kpi, act.KPIRating.OTHER, date(2026, 1, 1), None, TODAY)
    with pytest.raises(ValidationError, match="already has the KPI"):
        kpis.set_kpi(contract, "kpi 1", date(2025, 4, 1))
    with pytest.raises(ValidationError, match="within the contract"):
        kpis.set_kpi(contract, "Late KPI", date(2031, 1, 1))
    assert ContractKPI.objects.count() == 1 and KPIAssessment.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_rating_that_is_not_the_acts():
    kpi = with_kpis(under_act(), 1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        KPIAssessment.objects.create(kpi=kpi, rating="excellent", assessed_on=date(2026, 1, 1))


# Contracts short of the KPI duty -----------------------------------------------------------------


@pytest.mark.django_db
def test_kpi_gaps_lists_contracts_over_5m_lacking_three_kpis_or_a_recent_rating():
    fine = under_act(council_id="FINE")
    for kpi in with_kpis(fine):
        kpis.assess_kpi(kpi, act.KPIRating.GOOD, date(2026, 3, 1), None, TODAY)
    two = under_act(council_id="TWO")
    with_kpis(two, 2)
    stale = under_act(council_id="STALE")
    stale_kpis = with_kpis(stale)
    for kpi in stale_kpis:
        kpis.assess_kpi(kpi, act.KPIRating.GOOD, date(2026, 3, 1), None, TODAY)
    kpis.assess_kpi(stale_kpis[0], act.KPIRating.GOOD, date(2025, 6, 1), None, TODAY)
    kpis.assess_kpi(stale_kpis[1], act.KPIRating.GOOD, date(2025, 11, 29), None, TODAY)
    stale_kpis[2].assessments.update(assessed_on=date(2025, 11, 29))  # its only one: 12 months and a day ago
    never = under_act(council_id="NEVER")
    with_kpis(never)
    new = under_act(council_id="NEW", start_date=date(2026, 6, 1))  # has not run twelve months yet
    with_kpis(new)
    under_act(council_id="OLDRULES", start_date=date(2025, 2, 1))  # procured before the Act
    under_act(council_id="SMALL", total_value=Decimal("5000000"))
    under_act(council_id="ENDED", end_date=date(2026, 10, 31))
    with CaptureQueriesContext(connection) as queries:
        gaps = {c.council_id: (c.kpi_count, c.stale) for c in kpis.kpi_gaps(TODAY)}
    assert len(queries) == 1
    assert gaps == {"TWO": (2, True), "STALE": (3, True), "NEVER": (3, True)}


@pytest.mark.django_db
def test_pipeline_lists_contracts_over_2m_approaching_their_end_in_the_18_month_window():
    today = timezone.localdate()
    first_day, last_day = act.pipeline_window(today)
    inside = make_contract(
        council_id="IN",
        total_value=Decimal("2000000.01"),
        start_date=first_day - relativedelta(years=3),
        end_date=last_day,
    )
    make_contract(
        council_id="TWOM", total_value=Decimal("2000000"), start_date=date(2023, 1, 1), end_date=last_day
    )
    make_contract(
        council_id="LATER",
        total_value=Decimal("3000000"),
        start_date=date(2023, 1, 1),
        end_date=last_day + relativedelta(days=1),
    )
    assert inside.flagged_from is not None
    assert [c.council_id for c in kpis.pipeline(today)] == ["IN"]


# The contract page -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_contract_page_shows_the_assessment_history_and_what_the_duty_lacks(client, people):
    client.force_login(people[Role.MEMBER])
    contract = under_act()
    kpi = with_kpis(contract, 2, set_on=date(2025, 4, 1))[0]
    kpis.assess_kpi(kpi, act.KPIRating.REQUIRES_IMPROVEMENT, date(2025, 10, 1), people[Role.OFFICER], TODAY)
    kpis.assess_kpi(kpi, act.KPIRating.GOOD, date(2025, 12, 1), None, TODAY)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Key performance indicators" in page
    assert "Requires improvement" in page and "1 December 2025" in page and "1 October 2025" in page
    assert page.index("1 December 2025") < page.index("1 October 2025")  # newest first
    assert "fewer than the 3 the Act asks for" in page
    assert "govuk-tag--orange" in page


@pytest.mark.django_db
def test_the_kpi_panel_costs_the_same_queries_whatever_the_number_of_assessments(client, people):
    client.force_login(people[Role.MEMBER])
    contract = under_act()
    kpi = with_kpis(contract, 3)[0]

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(contract.get_absolute_url()).status_code == 200
        return len(queries)

    before = count()
    for month in range(1, 6):
        kpis.assess_kpi(kpi, act.KPIRating.GOOD, date(2026, month, 1), people[Role.OFFICER], TODAY)
    assert count() == before


@pytest.mark.django_db
def test_a_small_contract_says_only_that_no_kpis_are_set(client, people):
    client.force_login(people[Role.MEMBER])
    contract = make_contract(scores=uniform_scores(1))
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "No KPIs have been set for this contract." in page
    assert "the Act asks for" not in page


# The admin, where KPIs and assessments are kept ---------------------------------------------------


def _inline_post(kpi, rating, assessed_on):
    return {
        "contract": kpi.contract_id,
        "name": kpi.name,
        "target": "",
        "set_on": kpi.set_on.isoformat(),
        "assessments-TOTAL_FORMS": "1",
        "assessments-INITIAL_FORMS": "0",
        "assessments-MIN_NUM_FORMS": "0",
        "assessments-MAX_NUM_FORMS": "1000",
        "assessments-0-rating": rating,
        "assessments-0-assessed_on": assessed_on.isoformat(),
        "assessments-0-note": "",
        "assessments-0-kpi": kpi.pk,
    }


@pytest.mark.django_db
def test_the_admin_refuses_a_future_assessment_and_keeps_a_good_one(client, people):
    client.force_login(people[Role.ADMIN])
    kpi = with_kpis(under_act(), 1)[0]
    url = f"/admin/contracts/contractkpi/{kpi.pk}/change/"
    future = timezone.localdate() + relativedelta(days=1)
    response = client.post(url, _inline_post(kpi, "good", future))
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not KPIAssessment.objects.exists()
    response = client.post(url, _inline_post(kpi, "inadequate", date(2025, 9, 1)))
    assert response.status_code == 302
    assert KPIAssessment.objects.get().rated is act.KPIRating.INADEQUATE


@pytest.mark.django_db
def test_the_kpi_duty_page_lists_what_each_contract_lacks_in_a_fixed_number_of_queries(client, people):
    client.force_login(people[Role.MEMBER])
    today = timezone.localdate()
    start = today - relativedelta(months=20)  # since the Act, and over twelve months ago
    short = under_act(council_id="SHORT", start_date=start)
    with_kpis(short, 1)

    def get():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/contracts/kpi-duty/")
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    page, first = get()
    assert "SHORT" in page and "Fewer than 3 KPIs; a KPI not assessed in the last 12 months" in page
    fine = under_act(council_id="FINE", start_date=start)
    for kpi in with_kpis(fine):
        kpis.assess_kpi(kpi, act.KPIRating.GOOD, today, None, today)
    under_act(council_id="STALE", start_date=start)
    page, second = get()
    assert "FINE" not in page and "STALE" in page
    assert second == first
