"""The register's work pages (issue 12, items 4, 8 and 9): an owner's contracts and comment, the
approver's queue, the Governance & Contracts lead's procurement status screen, contracts shown on the
plan actions they deliver, and the reminder e-mails."""

import re

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ambitions.services import ensure_portfolios
from bromley_portal.accounts.roles import Role
from contracts import reminders, services
from contracts.choices import ProcurementStatus
from contracts.models import ContractAction, ContractCommentary, ContractReminder, ProcurementRating
from contracts.services import COMMENTARY_MAX_LENGTH
from contracts.tasks import send_reminders
from tests.contract_factories import make_contract, make_cycle, uniform_scores
from tests.factories import make_plan, make_user


def months_from_now(months: int):
    return timezone.localdate() + relativedelta(months=months)


def live(ends_in: int = 36, **fields):
    """A contract in today's register: approaching its end when ``ends_in`` is a few months."""
    fields.setdefault("start_date", months_from_now(-12))
    fields.setdefault("end_date", months_from_now(ends_in))
    fields.setdefault("scores", uniform_scores(1))
    return make_contract(**fields)


@pytest.fixture
def owner(people):
    return people[Role.OFFICER]


@pytest.fixture
def approver(people):
    return people[Role.APPROVER]


@pytest.fixture
def lead(people):
    return people[Role.CONTRACTS_OFFICER]


@pytest.fixture
def open_cycle(db):
    """The cycle being prepared, as at the end of this month (not frozen)."""
    return make_cycle(name="This cycle", as_at=timezone.localdate() + relativedelta(day=31))


def commentary(contract) -> ContractCommentary:
    return ContractCommentary.objects.get(contract=contract)


def needs(work) -> dict:
    """{contract pk: whether something is needed} from a work list."""
    return {contract.pk: needed for contract, needed in work.rows}


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


# My contracts and the owner's comment ------------------------------------------------------------


def test_my_contracts_lists_the_owners_contracts_and_which_need_their_comment(
    client, owner, approver, open_cycle
):
    flagged = live(ends_in=3, owner=owner, approver=approver, title="Ends soon")
    calm = live(ends_in=40, owner=owner, approver=approver, title="Years left")
    answered = live(ends_in=3, owner=owner, approver=approver, title="Answered")
    services.save_owner_comment(
        answered, owner, version=0, owner_comment="Re-tendering", inflation_mechanism=""
    )
    other = live(ends_in=3, title="Someone else's")
    client.force_login(owner)
    response = client.get("/contracts/mine/")
    rows = {contract.pk: needed for contract, needed in response.context["work"].rows}
    assert rows == {flagged.pk: True, calm.pk: False, answered.pk: False}
    assert other.pk not in rows
    assert "1</strong> needs your comment" in response.content.decode()


def test_with_no_open_cycle_no_comment_is_asked_for(client, owner):
    live(ends_in=3, owner=owner)
    client.force_login(owner)
    response = client.get("/contracts/mine/")
    assert response.context["work"].cycle is None and response.context["work"].outstanding == 0
    assert "No register cycle is open" in response.content.decode()


def test_the_owner_writes_their_comment_for_the_open_cycle_with_its_history(client, owner, open_cycle):
    contract = live(ends_in=3, owner=owner)
    client.force_login(owner)
    page = client.get(f"/contracts/{contract.pk}/comment/").content.decode()
    assert (
        'data-module="govuk-character-count"' in page and f'data-maxlength="{COMMENTARY_MAX_LENGTH}"' in page
    )
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))  # no inline script
    response = client.post(
        f"/contracts/{contract.pk}/comment/",
        {"version": "0", "owner_comment": "  Re-tendering in spring.  ", "inflation_mechanism": "CPI yearly"},
    )
    assert response.status_code == 302 and response.url == "/contracts/mine/"
    saved = commentary(contract)
    assert (saved.owner_comment, saved.inflation_mechanism) == ("Re-tendering in spring.", "CPI yearly")
    assert saved.owner_comment_cycle == open_cycle and saved.owner_commented_by == owner
    assert saved.owner_version == 1
    client.post(
        f"/contracts/{contract.pk}/comment/",
        {"version": "1", "owner_comment": "Tender out now.", "inflation_mechanism": "CPI yearly"},
    )
    history = client.get(f"/contracts/{contract.pk}/comment/").context["history"]
    assert [record.owner_comment for record in history] == ["Tender out now.", "Re-tendering in spring."]
    assert all(record.history_user == owner for record in history)


def test_someone_else_cannot_write_the_owners_comment(client, people, owner):
    contract = live(ends_in=3, owner=owner)
    for role in [Role.APPROVER, Role.CONTRACTS_OFFICER, Role.ADMIN]:
        client.force_login(people[role])
        data = {"version": "0", "owner_comment": "Not mine", "inflation_mechanism": ""}
        assert client.post(f"/contracts/{contract.pk}/comment/", data).status_code == 403
    assert not ContractCommentary.objects.filter(contract=contract).exists()


def test_a_stale_owners_comment_gets_409_keeps_the_text_and_changes_nothing(client, owner, open_cycle):
    contract = live(ends_in=3, owner=owner)
    services.save_owner_comment(contract, owner, version=0, owner_comment="First", inflation_mechanism="")
    client.force_login(owner)
    response = client.post(
        f"/contracts/{contract.pk}/comment/",
        {"version": "0", "owner_comment": "Written from an old tab", "inflation_mechanism": ""},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "after you opened it" in page and "Written from an old tab" in page and "First" in page
    assert response.context["form"]["version"].value() == "1"  # saving again replaces what is there now
    assert commentary(contract).owner_comment == "First"


def test_an_over_long_owners_comment_is_refused_and_changes_nothing(client, owner):
    contract = live(ends_in=3, owner=owner)
    client.force_login(owner)
    response = client.post(
        f"/contracts/{contract.pk}/comment/",
        {"version": "0", "owner_comment": "x" * (COMMENTARY_MAX_LENGTH + 1), "inflation_mechanism": ""},
    )
    assert response.status_code == 200
    assert f"must be {COMMENTARY_MAX_LENGTH:,} characters or fewer" in response.content.decode()
    assert not ContractCommentary.objects.filter(contract=contract).exists()
    with pytest.raises(services.ContractError, match="characters or fewer"):
        services.save_owner_comment(
            contract,
            owner,
            version=0,
            owner_comment="",
            inflation_mechanism="y" * (COMMENTARY_MAX_LENGTH + 1),
        )


@pytest.mark.parametrize("version", ["", "abc", "-1"])
def test_a_missing_or_bad_version_says_reload_and_changes_nothing(client, owner, version):
    contract = live(ends_in=3, owner=owner)
    client.force_login(owner)
    response = client.post(
        f"/contracts/{contract.pk}/comment/",
        {"version": version, "owner_comment": "Hi", "inflation_mechanism": ""},
    )
    assert response.status_code == 200 and "Reload the page" in response.content.decode()
    assert not ContractCommentary.objects.filter(contract=contract).exists()


def test_an_unknown_contract_is_not_found(client, owner):
    client.force_login(owner)
    assert client.get("/contracts/999999/comment/").status_code == 404


# The approver's queue and vouching ----------------------------------------------------------------


def test_the_approver_vouches_for_the_owners_comment_as_read(client, owner, approver, open_cycle):
    written = live(ends_in=3, owner=owner, approver=approver)
    services.save_owner_comment(
        written, owner, version=0, owner_comment="Plan agreed", inflation_mechanism=""
    )
    unwritten = live(ends_in=3, owner=owner, approver=approver)
    client.force_login(approver)
    response = client.get("/contracts/approvals/")
    assert {c.pk: needed for c, needed in response.context["work"].rows} == {
        written.pk: True,
        unwritten.pk: False,
    }
    assert "Plan agreed" in response.content.decode()
    response = client.post(f"/contracts/{written.pk}/vouch/", {"version": "1"})
    assert response.status_code == 302
    saved = commentary(written)
    assert (saved.vouched_version, saved.vouched_by) == (1, approver) and saved.vouched_at
    assert needs(client.get("/contracts/approvals/").context["work"])[written.pk] is False
    # The owner changes it: it waits for the approver again.
    services.save_owner_comment(
        written, owner, version=1, owner_comment="Plan changed", inflation_mechanism=""
    )
    assert needs(client.get("/contracts/approvals/").context["work"])[written.pk] is True


def test_vouching_for_a_comment_changed_since_gets_409_and_changes_nothing(
    client, owner, approver, open_cycle
):
    contract = live(ends_in=3, owner=owner, approver=approver)
    services.save_owner_comment(contract, owner, version=0, owner_comment="First", inflation_mechanism="")
    services.save_owner_comment(contract, owner, version=1, owner_comment="Second", inflation_mechanism="")
    client.force_login(approver)
    response = client.post(f"/contracts/{contract.pk}/vouch/", {"version": "1"})
    assert response.status_code == 409
    assert "Second" in response.content.decode()
    assert commentary(contract).vouched_version is None


def test_an_owner_does_not_vouch_for_their_own_contract(client, approver, open_cycle):
    contract = live(ends_in=3, owner=approver, approver=approver)
    services.save_owner_comment(contract, approver, version=0, owner_comment="Mine", inflation_mechanism="")
    client.force_login(approver)
    page = client.get("/contracts/approvals/")
    assert needs(page.context["work"])[contract.pk] is False
    assert "someone else must vouch" in page.content.decode()
    assert client.post(f"/contracts/{contract.pk}/vouch/", {"version": "1"}).status_code == 403
    assert commentary(contract).vouched_version is None
    with pytest.raises(services.ContractError, match="someone else must vouch"):
        services.vouch(contract, approver, version=1)


def test_another_approver_cannot_vouch(client, owner, approver):
    contract = live(ends_in=3, owner=owner, approver=approver)
    services.save_owner_comment(contract, owner, version=0, owner_comment="Hi", inflation_mechanism="")
    client.force_login(make_user(Role.APPROVER, username="other-approver"))
    assert client.post(f"/contracts/{contract.pk}/vouch/", {"version": "1"}).status_code == 403
    assert commentary(contract).vouched_version is None


# The procurement status screen ---------------------------------------------------------------------


def test_the_screen_lists_contracts_approaching_their_end_and_the_lead_sets_rag_and_comment(client, lead):
    flagged = live(ends_in=3, title="Ends soon")
    calm = live(ends_in=40, title="Years left")
    client.force_login(lead)
    response = client.get("/contracts/procurement/")
    assert [c.pk for c in response.context["contracts"]] == [flagged.pk]
    assert response.context["unrated"] == 1 and calm.pk not in [c.pk for c in response.context["contracts"]]
    response = client.post(
        f"/contracts/{flagged.pk}/procurement/",
        {"version": "0", "rag": "amber", "procurement_comment": "Tender published", "concern": "on"},
    )
    assert response.status_code == 302
    rating = ProcurementRating.objects.get(contract=flagged)
    assert (rating.rag, rating.set_by, rating.assumed) == ("amber", lead, False) and rating.set_at
    flagged.refresh_from_db()
    assert flagged.concern and flagged.concern_raised_by == lead and flagged.concern_raised_at
    assert commentary(flagged).procurement_comment == "Tender published"
    assert services.procurement_status(flagged) == ProcurementStatus.AMBER
    # Saving again without changing the RAG keeps who set it and when.
    set_at = rating.set_at
    client.post(
        f"/contracts/{flagged.pk}/procurement/",
        {"version": "1", "rag": "amber", "procurement_comment": "Bids in", "concern": ""},
    )
    rating.refresh_from_db()
    flagged.refresh_from_db()
    assert rating.set_at == set_at and not flagged.concern and flagged.concern_raised_by is None


def test_a_contract_not_approaching_its_end_has_no_rag_to_set_but_can_be_a_concern(client, lead):
    calm = live(ends_in=40)
    client.force_login(lead)
    page = client.get(f"/contracts/{calm.pk}/procurement/")
    assert "rag" not in page.context["form"].fields and "has no RAG to set" in page.content.decode()
    client.post(f"/contracts/{calm.pk}/procurement/", {"version": "0", "rag": "red", "concern": "on"})
    calm.refresh_from_db()
    assert calm.concern and not ProcurementRating.objects.filter(contract=calm).exists()
    with pytest.raises(services.ContractError, match="Neutral"):
        services.save_procurement(calm, lead, version=1, rag="red", procurement_comment="", concern=True)


def test_a_stale_procurement_save_gets_409_and_changes_nothing(client, lead):
    contract = live(ends_in=3)
    services.save_procurement(
        contract, lead, version=0, rag="green", procurement_comment="Ours", concern=False
    )
    client.force_login(lead)
    response = client.post(
        f"/contracts/{contract.pk}/procurement/",
        {"version": "0", "rag": "red", "procurement_comment": "Old tab", "concern": "on"},
    )
    assert response.status_code == 409 and "Ours" in response.content.decode()
    contract.refresh_from_db()
    assert ProcurementRating.objects.get(contract=contract).rag == "green" and not contract.concern
    assert commentary(contract).procurement_comment == "Ours"


def test_bad_procurement_input_is_refused_and_changes_nothing(client, lead, people):
    contract = live(ends_in=3)
    client.force_login(lead)
    url = f"/contracts/{contract.pk}/procurement/"
    too_long = {"version": "0", "rag": "red", "procurement_comment": "x" * (COMMENTARY_MAX_LENGTH + 1)}
    assert "characters or fewer" in client.post(url, too_long).content.decode()
    assert "Select a valid choice" in client.post(url, {"version": "0", "rag": "purple"}).content.decode()
    assert not ProcurementRating.objects.filter(contract=contract).exists()
    client.force_login(people[Role.OFFICER])
    assert client.post(url, {"version": "0", "rag": "red", "concern": "on"}).status_code == 403
    contract.refresh_from_db()
    assert not contract.concern and not ProcurementRating.objects.filter(contract=contract).exists()


# Fixed query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/contracts/mine/", Role.OFFICER),
        ("/contracts/approvals/", Role.APPROVER),
        ("/contracts/procurement/", Role.CONTRACTS_OFFICER),
    ],
)
def test_the_work_pages_cost_the_same_queries_at_10_and_100_contracts(client, people, open_cycle, url, role):
    owner, approver, lead = people[Role.OFFICER], people[Role.APPROVER], people[Role.CONTRACTS_OFFICER]

    def add(n):
        for i in range(n):
            contract = live(ends_in=3 if i % 2 else 40, owner=owner, approver=approver)
            if i % 3 == 0:
                services.save_owner_comment(
                    contract, owner, version=0, owner_comment="Hi", inflation_mechanism=""
                )
            if i % 4 == 1:
                services.save_procurement(
                    contract, lead, version=0, rag="red", procurement_comment="", concern=True
                )

    add(10)
    client.force_login(people[role])
    few = queries_for(client, url)
    add(90)
    assert queries_for(client, url) == few


# Links to the plan ---------------------------------------------------------------------------------


def test_the_action_page_and_portfolio_dashboard_show_the_contracts_that_deliver_it(client, people):
    plan = make_plan(actions=2)
    action = plan.sections.first().actions.order_by("number").first()
    unsorted = live(ends_in=3, title="Ends unsorted")
    calm = live(ends_in=40, title="Years to run", portfolio=ensure_portfolios()["ACH"])
    ContractAction.objects.create(contract=unsorted, action=action)
    ContractAction.objects.create(contract=calm, action=action)
    client.force_login(people[Role.MEMBER])
    page = client.get(action.get_absolute_url()).content.decode()
    assert "Contracts that deliver this action" in page
    assert "Ends unsorted" in page and "Years to run" in page
    assert ProcurementStatus.AWAITING.short_label in page
    dashboard = client.get("/plans/dashboards/portfolios/CEF/").content.decode()
    assert "Contracts that deliver the plan" in dashboard and "Ends unsorted" in dashboard
    assert "Re-tendering" not in dashboard  # Part 1 only


def test_the_action_panel_costs_the_same_queries_at_10_and_100_contracts(client, people):
    plan = make_plan(actions=1)
    action = plan.sections.first().actions.get()
    client.force_login(people[Role.MEMBER])
    for _ in range(10):
        ContractAction.objects.create(contract=live(ends_in=3), action=action)
    few = queries_for(client, action.get_absolute_url())
    dashboard_few = queries_for(client, "/plans/dashboards/portfolios/CEF/")
    for _ in range(90):
        ContractAction.objects.create(contract=live(ends_in=3), action=action)
    assert queries_for(client, action.get_absolute_url()) == few
    assert queries_for(client, "/plans/dashboards/portfolios/CEF/") == dashboard_few


def test_no_part_2_text_reaches_the_action_page(client, people, owner):
    plan = make_plan(actions=1)
    action = plan.sections.first().actions.get()
    contract = live(
        ends_in=3,
        owner=owner,
        commentary={"owner_comment": "SECRET-OWNER", "procurement_comment": "SECRET-PROC"},
    )
    ContractAction.objects.create(contract=contract, action=action)
    client.force_login(people[Role.MEMBER])
    page = client.get(action.get_absolute_url()).content.decode()
    assert contract.council_id in page and "SECRET" not in page


# Reminders -----------------------------------------------------------------------------------------


def test_owners_and_the_lead_are_reminded_once(people, owner, lead, open_cycle):
    flagged = live(ends_in=3, owner=owner, title="Needs a comment")
    answered = live(ends_in=3, owner=owner, title="Answered already")
    services.save_owner_comment(answered, owner, version=0, owner_comment="Done", inflation_mechanism="")
    live(ends_in=40, owner=owner, title="Years to run")
    rated = live(ends_in=3, owner=owner, title="Rated already")
    services.save_procurement(rated, lead, version=0, rag="green", procurement_comment="", concern=False)
    services.save_owner_comment(rated, owner, version=0, owner_comment="Done", inflation_mechanism="")
    mail.outbox.clear()

    sent = send_reminders()
    assert sent == {ContractReminder.Kind.OWNER_COMMENT: 1, ContractReminder.Kind.RAG_MISSING: 1}
    to_owner = [m for m in mail.outbox if m.to == [owner.email]]
    to_lead = [m for m in mail.outbox if m.to == [lead.email]]
    assert len(mail.outbox) == 2 and len(to_owner) == 1 and len(to_lead) == 1
    assert "Needs a comment" in to_owner[0].body and "Answered already" not in to_owner[0].body
    assert f"/contracts/{flagged.pk}/comment/" in to_owner[0].body
    assert "Years to run" not in to_owner[0].body and "Rated already" not in to_owner[0].body
    # The lead hears of the flagged contracts without a RAG, not the rated one.
    assert "Needs a comment" in to_lead[0].body and "Answered already" in to_lead[0].body
    assert "Rated already" not in to_lead[0].body

    mail.outbox.clear()
    assert send_reminders() == {} and mail.outbox == []  # the second run sends nothing

    # A contract newly approaching its end gets its own reminder, not a repeat of the others.
    newcomer = live(ends_in=2, owner=owner, title="Newly flagged")
    assert send_reminders() == {ContractReminder.Kind.OWNER_COMMENT: 1, ContractReminder.Kind.RAG_MISSING: 1}
    bodies = [m.body for m in mail.outbox]
    assert all("Newly flagged" in body and "Needs a comment" not in body for body in bodies)
    assert ContractReminder.objects.filter(contract=newcomer).count() == 2


def test_no_reminders_without_an_open_cycle(owner):
    live(ends_in=3, owner=owner)
    mail.outbox.clear()
    assert reminders.send_reminders() == {} and mail.outbox == []


def test_a_failed_email_is_not_recorded_so_the_next_run_sends_it(owner, open_cycle, monkeypatch):
    live(ends_in=3, owner=owner)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("bromley_portal.core.mail.send_mail", broken)  # where every reminder is sent
    with pytest.raises(OSError):
        reminders.send_reminders()
    assert not ContractReminder.objects.exists()
    monkeypatch.undo()
    mail.outbox.clear()
    assert reminders.send_reminders()[ContractReminder.Kind.OWNER_COMMENT] == 1


def test_the_beat_schedule_runs_the_reminders(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "contracts.send_reminders" in tasks
