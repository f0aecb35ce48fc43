"""Every page of the permissions matrix costs the same queries when the plans, the contract register and
the complaints it shows hold two or three times the rows, each plan row as full as the council's documents make them: updates with notes on details, figures,
evidence and amendments. A bounded page whose rows each cost a query passes a test that compares two full
pages; this one compares pages below their page size (the matrix's council has a handful of actions, and
three times a handful), so a query a row shows as a difference, whichever page it is on."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.contracts import grow_register
from bench.generate import grow_council
from bromley_portal.accounts.roles import Role
from complaints.models import Complaint
from contracts.models import Contract
from plans.choices import Rag, UpdateStatus
from plans.counts import refresh_all
from plans.models import Action, Amendment, MeasureFigure, QuarterlyUpdate, UpdateNote
from tests.permissions import PAGES
from tests.test_permissions_matrix import council, people, shared  # noqa: F401 (fixtures)

ROLE_ORDER = [Role.MEMBER, Role.OFFICER, Role.APPROVER, Role.CLERK, Role.COMPLAINTS_OFFICER,
              Role.CONTRACTS_OFFICER, Role.ADMIN]  # fmt: skip


def fill(updates, admin) -> None:
    """Each update as full as a council document's: a note on its action's last detail, a figure for each
    measure of success, an evidence link, and for a locked one of every other action an amendment (the
    others report their own words and notes); a locked green one turned red,
    so the dashboards' and the reports' exceptions list it."""
    for update in updates.select_related("action").prefetch_related("action__details__measures_of_success"):
        details = list(update.action.details.all())
        UpdateNote.objects.get_or_create(
            update=update, detail=details[-1], defaults={"narrative": f"On the last row of {update.pk}"}
        )
        for detail in details:
            for measure in detail.measures_of_success.all():
                MeasureFigure.objects.get_or_create(update=update, measure=measure, defaults={"value": "12"})
        QuarterlyUpdate.objects.filter(pk=update.pk).update(evidence_links=["https://example.org/evidence"])
        if (
            update.status == UpdateStatus.LOCKED
            and update.action.number % 2
            and not update.amendments.exists()
        ):
            Amendment.objects.create(
                update=update, narrative="Corrected words", reason="A typing error", created_by=admin
            )
    updates.filter(status=UpdateStatus.LOCKED, rag=Rag.GREEN).update(rag=Rag.RED)
    refresh_all()  # a raw update() sends no save signals: the stored counts follow it (plans.counts)


def more_complaints(officer, copies: int) -> None:
    """``copies`` more of what the matrix's complaints part holds: an open, acknowledged complaint about
    two aspects of Housing, an answered and closed one of Environment & Public Protection with an
    Ombudsman case, a remedy and a compliment."""
    from datetime import date
    from decimal import Decimal

    from complaints import services
    from complaints.models import Compliment, Division, OmbudsmanCase, Remedy
    from complaints.services import MentionInput

    today = date(2026, 11, 30)
    housing = Division.objects.get(name="Housing")
    epp = Division.objects.get(name="Environment & Public Protection")
    for copy in range(copies):
        complaint = services.log_complaint(
            officer, received=date(2026, 11, 2), channel="website",
            mentions=[MentionInput(housing, None, ["lack_of_action", "information"])],
            complainant={"name": f"Complainant {copy}", "email": f"c{copy}@example.invalid"},
            summary="Repairs not done.", today=today,
        )  # fmt: skip
        services.assign(officer, complaint, officer)
        services.acknowledge(officer, complaint, on=date(2026, 11, 3), today=today)
        closed = services.log_complaint(
            officer, received=date(2026, 9, 1), channel="email",
            mentions=[MentionInput(epp, epp.services.get(name="Neighbourhood Management"), ["quality_of_service"])],
            today=today,
        )  # fmt: skip
        services.acknowledge(officer, closed, on=date(2026, 9, 2), today=today)
        [aspect] = closed.mentions.get().aspects.all()
        services.record_response(
            officer, aspect, outcome="not_known", responded_on=date(2026, 9, 10), today=today
        )
        closed = services.close(officer, closed, on=date(2026, 9, 11), today=today)
        OmbudsmanCase.objects.create(
            reference=f"26 001 3{copy:02d}", complaint=closed, division=epp, received=date(2026, 10, 1)
        )
        Remedy.objects.create(
            division=housing, stage="stage_1", type="time_and_trouble", amount=Decimal("150.00"), agreed=today
        )
        Compliment.objects.create(
            received=date(2026, 10, 5), division=housing, channel="email", quote=f"A great help ({copy})."
        )


def measured_pages():
    for page in PAGES:
        if page.sso or page.signed_in_goes_to:
            continue
        role = next((role for role in ROLE_ORDER if role in page.allowed), None)
        if role is None and not page.public:
            continue
        yield page, role


def counts(client_for, council) -> dict:  # noqa: F811
    found = {}
    for page, role in measured_pages():
        client = client_for(role)
        url = page.resolve(council)
        client.get(url)  # the first request fills per-process caches (navigation, content types)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        found[page.name] = (len(context), response.status_code)
    return found


def test_every_page_costs_the_same_queries_with_three_times_the_rows(people, council, settings):  # noqa: F811
    from django.test import Client

    settings.PAGECACHE_ENABLED = False  # the pages' own queries, not a cache hit's

    clients = {}

    def client_for(role):
        if role not in clients:
            clients[role] = Client()
            if role is not None:
                clients[role].force_login(people[role])
        return clients[role]

    fill(QuarterlyUpdate.objects.all(), people[Role.ADMIN])
    before = counts(client_for, council)
    assert len(before) > 130 and {status for _, status in before.values()} == {200}, before
    actions, contracts = Action.objects.count(), Contract.objects.count()
    grow_council(3)
    grow_register(3 * contracts, timezone.localdate())  # (which makes the demo's people: sign in afresh)
    complaints = Complaint.objects.count()
    more_complaints(people[Role.COMPLAINTS_OFFICER], copies=2)
    clients.clear()
    for person in people.values():
        person.refresh_from_db()
    fill(QuarterlyUpdate.objects.all(), people[Role.ADMIN])
    assert (Action.objects.count(), Contract.objects.count()) == (3 * actions, 3 * contracts)
    assert Complaint.objects.count() >= complaints + 4
    assert UpdateNote.objects.count() == QuarterlyUpdate.objects.count()
    after = counts(client_for, council)
    assert {name: status for name, (_, status) in after.items()} == {
        name: status for name, (_, status) in before.items()
    }
    grew = {name: (before[name][0], after[name][0]) for name in before if after[name][0] > before[name][0]}
    assert not grew, f"queries grew with the rows (before, after): {grew}"
