"""The Procurement Act 2023's notices as OCDS releases in the UK central digital platform's format
(issue 12, item 10; contracts.notices): contract details (UK7), contract performance (UK9), contract
change (UK10), contract termination (UK11) and the pipeline notice (UK1), for the procurement team."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bromley_portal.accounts.roles import Role
from contracts import kpis, notices, ocds
from contracts import procurement_act as act
from contracts.models import ContractKPI, KPIAssessment
from contracts.procurement_act import KPIRating
from tests.contract_factories import make_contract
from tests.factories import make_user
from tests.test_contract_ocds import assert_valid


def notice_url(contract, kind) -> str:
    return f"/contracts/{contract.pk}/notices/{kind}/"


@pytest.fixture
def officer_client(client, db):
    client.force_login(make_user(Role.CONTRACTS_OFFICER))
    return client


def download(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert "private" in response["Cache-Control"]  # for the procurement team, not a shared cache
    data = ocds.loads(response.content)
    assert_valid(data)
    return data


def the_notice(data, notice) -> dict:
    (release,) = data["releases"]
    assert release["tag"] == [notice.tag]
    return release


def documents_of(release) -> list:
    contract = release["contracts"][0]
    return contract.get("documents", []) + contract.get("implementation", {}).get("documents", [])


def kpi_with(contract, *ratings_on, name="Visits on time"):
    kpi = ContractKPI.objects.create(
        contract=contract, name=name, target="95% on time", set_on=contract.start_date
    )
    for rating, on in ratings_on:
        KPIAssessment.objects.create(kpi=kpi, rating=rating, assessed_on=on, note=f"{rating} on {on}")
    return kpi


@pytest.mark.django_db
def test_the_contract_details_notice_is_uk7_with_the_kpis_set_at_award(officer_client):
    contract = make_contract(
        total_value=Decimal("6000000.00"), start_date=date(2025, 3, 1), end_date=date(2030, 2, 28)
    )
    kpi_with(contract)
    release = the_notice(download(officer_client, notice_url(contract, "details")), notices.DETAILS)
    (document,) = documents_of(release)
    assert document["noticeType"] == "UK7" and document["documentType"] == "contractNotice"
    awarded = release["contracts"][0]
    assert awarded["value"] == {"amount": Decimal("6000000.00"), "currency": "GBP"}
    assert [metric["title"] for metric in awarded["agreedMetrics"]] == ["Visits on time"]
    assert "observations" not in awarded["agreedMetrics"][0]
    assert release["ocid"] == ocds.ocid(contract.council_id)  # the same contracting process as the open data


@pytest.mark.django_db
def test_the_performance_notice_is_uk9_with_each_kpis_latest_rating(officer_client):
    contract = make_contract(
        total_value=Decimal("6000000.00"), start_date=date(2025, 3, 1), end_date=date(2030, 2, 28)
    )
    kpi_with(contract, (KPIRating.INADEQUATE, date(2025, 6, 1)), (KPIRating.APPROACHING, date(2026, 3, 1)))
    kpi_with(contract, (KPIRating.GOOD, date(2026, 2, 1)), name="Complaints answered")
    release = the_notice(download(officer_client, notice_url(contract, "performance")), notices.PERFORMANCE)
    assert [d["noticeType"] for d in documents_of(release)] == ["UK9"]
    metrics = {m["title"]: m["observations"] for m in release["contracts"][0]["implementation"]["metrics"]}
    assert {title: [o["measure"] for o in seen] for title, seen in metrics.items()} == {
        "Visits on time": ["Approaching target"],
        "Complaints answered": ["Good"],
    }
    assert metrics["Visits on time"][0]["period"]["endDate"].startswith("2026-03-01")
    assert release["date"] >= "2026-03-01"


@pytest.mark.django_db
def test_a_notice_with_nothing_to_say_goes_back_to_the_contract_saying_why(officer_client):
    contract = make_contract(start_date=date(2025, 3, 1), end_date=timezone.localdate() + timedelta(days=30))
    kpi_with(contract)  # set, never assessed
    for kind, reason in [
        ("performance", "no KPI assessment yet"),
        ("change", "No change"),
        ("termination", "has not ended"),
    ]:
        response = officer_client.get(notice_url(contract, kind), follow=True)
        assert response.redirect_chain[-1][0] == contract.get_absolute_url() + "#notices"
        assert reason in response.content.decode()
    assert officer_client.get(notice_url(contract, "no-such-notice")).status_code == 404


@pytest.mark.django_db
def test_the_change_notice_is_uk10_with_each_change_of_a_published_field(officer_client):
    contract = make_contract(end_date=date(2026, 3, 31), total_value=Decimal("120000.00"))
    contract.end_date, contract.months_duration = date(2027, 3, 31), 72
    contract.save()
    contract.concern = True  # not a published field: no amendment for it
    contract.save()
    contract.total_value = Decimal("150000.50")
    contract.save()
    release = the_notice(download(officer_client, notice_url(contract, "change")), notices.CHANGE)
    amendments = release["contracts"][0]["amendments"]
    assert [a["description"] for a in amendments] == [
        "End date: 31 March 2026 to 31 March 2027; Term in months: 36 to 72.",
        "Total contract value: £120,000.00 to £150,000.50.",
    ]
    assert release["contracts"][0]["value"]["amount"] == Decimal("150000.50")  # as it stands after
    assert [d["noticeType"] for d in documents_of(release)] == ["UK10"]


@pytest.mark.django_db
def test_the_termination_notice_is_uk11_for_a_contract_that_has_ended(officer_client):
    contract = make_contract(start_date=date(2021, 4, 1), end_date=date(2024, 3, 31))
    release = the_notice(download(officer_client, notice_url(contract, "termination")), notices.TERMINATION)
    ended = release["contracts"][0]
    assert ended["status"] == "terminated"
    assert ended["period"]["endDate"] == "2024-03-31T23:59:59+01:00"
    assert "31 March 2024" in ended["description"]
    assert [d["noticeType"] for d in documents_of(release)] == ["UK11"]


# The pipeline notice --------------------------------------------------------------------------


def ending_in(days: int, value: str):
    today = timezone.localdate()
    return make_contract(
        start_date=today - timedelta(days=1000),
        end_date=today + timedelta(days=days),
        months_duration=36,
        total_value=Decimal(value),
    )


@pytest.mark.django_db
def test_the_pipeline_notice_is_uk1_drawn_from_the_one_rule(officer_client):
    _, last_day = act.pipeline_window(timezone.localdate())
    days_left = (last_day - timezone.localdate()).days
    over = ending_in(90, "2000000.01")
    at_threshold = ending_in(90, str(act.PIPELINE_CONTRACT_THRESHOLD))  # "more than £2m": not it
    beyond = ending_in(days_left + 40, "9000000.00")  # after the 18 months
    data = download(officer_client, "/contracts/notices/pipeline/")
    assert "UK1-pipeline-notice" in officer_client.get("/contracts/notices/pipeline/")["Content-Disposition"]
    planned = {r["relatedProcesses"][0]["identifier"]: r for r in data["releases"]}
    assert set(planned) == {ocds.ocid(c.council_id) for c in kpis.pipeline(timezone.localdate())}
    assert ocds.ocid(over.council_id) in planned
    assert ocds.ocid(at_threshold.council_id) not in planned
    assert ocds.ocid(beyond.council_id) not in planned
    release = planned[ocds.ocid(over.council_id)]
    assert release["tag"] == ["planning"]
    assert release["ocid"] != ocds.ocid(over.council_id)  # a new contracting process
    assert release["planning"]["documents"][0]["noticeType"] == "UK1"
    assert release["tender"]["status"] == "planned"
    assert release["tender"]["value"] == {"amount": Decimal("2000000.01"), "currency": "GBP"}
    start = over.end_date + timedelta(days=1)
    assert release["tender"]["contractPeriod"]["startDate"].startswith(start.isoformat())


@pytest.mark.django_db
def test_the_pipeline_threshold_is_read_from_the_procurement_act_settings(officer_client, monkeypatch):
    contract = ending_in(90, "1500000.00")
    url = "/contracts/notices/pipeline/"
    response = officer_client.get(url, follow=True)
    assert "cannot be prepared" in response.content.decode()  # none over £2m: back, saying why
    monkeypatch.setattr(act, "PIPELINE_CONTRACT_THRESHOLD", Decimal("1000000"))
    data = download(officer_client, url)
    assert [r["relatedProcesses"][0]["identifier"] for r in data["releases"]] == [
        ocds.ocid(contract.council_id)
    ]


# Who may prepare them -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CONTRACTS_OFFICER, True),
        (Role.ADMIN, True),
        (Role.OFFICER, False),
        (Role.MEMBER, False),
        (Role.CLERK, False),
    ],
)
def test_only_the_procurement_team_prepares_notices(client, role, allowed):
    contract = make_contract()
    client.force_login(make_user(role))
    response = client.get(notice_url(contract, "details"))
    assert response.status_code == (200 if allowed else 403)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert (notice_url(contract, "details") in page) is allowed
    assert f"/contracts/open-data/contracts/{contract.pk}/ocds.json" in page  # the open data, for everyone


@pytest.mark.django_db
def test_a_visitor_not_signed_in_is_sent_to_sign_in(client):
    contract = make_contract()
    for url in (notice_url(contract, "details"), "/contracts/notices/pipeline/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


@pytest.mark.django_db
def test_a_notice_that_fails_the_schema_is_never_served(officer_client, monkeypatch):
    contract = make_contract()
    broken = notices.contract_notice

    def without_ocid(*args):
        release = broken(*args)
        del release["ocid"]
        return release

    monkeypatch.setattr(notices, "contract_notice", without_ocid)
    with pytest.raises(ocds.InvalidPackage, match="ocid"):
        notices.prepare_contract_notice(
            notices.DETAILS, contract, "https://example.invalid/n.json", date.today()
        )
