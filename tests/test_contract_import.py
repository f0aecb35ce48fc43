"""Importing contracts from the Contracts Database extract's columns (issue 12, item 5): all or nothing,
errors naming line and column, the register's own CSV and Excel exports read back without a change,
the same file twice changes nothing, Part 2 commentary never comes from a file; the page with its
preview and confirmation, and the ``import_contracts`` command."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ambitions.services import ensure_portfolios
from bromley_portal.accounts.roles import Role
from bromley_portal.core.tabular import RowError
from contracts import import_previews, services
from contracts.choices import RiskLevel
from contracts.importers import COLUMNS, import_contracts
from contracts.models import Contract, ContractCommentary, FlaggingRule, ProcurementRating, RegisterCycle
from contracts.seeds import load_seed_register
from tests.contract_factories import contract_person, make_contract, uniform_scores

URL = "/contracts/import/"
CONFIRM = "/contracts/import/confirm/"
HEADER = [
    "Contract ID",
    "Owner",
    "Approver",
    "Contract title",
    "Supplier",
    "Portfolio",
    "Total value",
    "Original annual value",
    "Current annual value (estimated)",
    "Start date",
    "End date",
    "Months",
    "Attention",
    "Capital",
]


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def good_row(**changes) -> list[str]:
    row = {
        "Contract ID": "N100",
        "Owner": "Olive Owner",
        "Approver": "contract-approver",
        "Contract title": "** Now Live ** Short breaks",
        "Supplier": "Bright Days Ltd",
        "Portfolio": "CEF",
        "Total value": "£1,250,000.50",
        "Original annual value": "250000",
        "Current annual value (estimated)": "",
        "Start date": "01/04/2024",
        "End date": "31/03/2029",
        "Months": "60",
        "Attention": "",
        "Capital": "",
    }
    row.update(changes)
    return [row[column] for column in HEADER]


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    """Previewed files are kept through Django's storage: here, out of the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


def history_rows() -> int:
    return Contract.history.count()


def snapshot():
    """Every contract as the database has it, and its history, to show that nothing changed."""
    return (
        list(Contract.objects.order_by("pk").values()),
        history_rows(),
        list(ContractCommentary.objects.order_by("pk").values()),
    )


@pytest.fixture
def register(db):
    """People and portfolios the rows name, with one contract already in the register."""
    services.ensure_register_settings()
    ensure_portfolios()
    owner = contract_person("contract-owner", "Olive", "Owner")
    approver = contract_person("contract-approver", "Amir", "Approver")
    existing = make_contract(
        council_id="E1",
        title="Fostering framework",
        owner=owner,
        approver=approver,
        scores=uniform_scores(3),
        commentary={"owner_comment": "Re-tendering next spring."},
    )
    return {"owner": owner, "approver": approver, "existing": existing}


def run(data: bytes, name="contracts.csv", **kwargs):
    return import_contracts(io.BytesIO(data), name, **kwargs)


# A good file ------------------------------------------------------------------------------------


def test_a_new_contract_is_created_through_the_registers_rules(register, people):
    lead = people[Role.CONTRACTS_OFFICER]
    result = run(csv_bytes([good_row(Attention="Concern", Capital="Capital")]), user=lead)
    assert result.ok, result.errors
    assert [c.council_id for c in result.created] == ["N100"] and not result.changed
    contract = Contract.objects.get(council_id="N100")
    assert contract.title == "Short breaks" and contract.status_note == "Now Live"
    assert contract.total_value == Decimal("1250000.50") and contract.current_annual_value is None
    assert contract.owner == register["owner"] and contract.approver == register["approver"]
    assert (contract.start_date, contract.end_date, contract.months_duration) == (
        date(2024, 4, 1),
        date(2029, 3, 31),
        60,
    )
    assert contract.capital and contract.concern and contract.concern_raised_by == lead
    # Risk and flag come from the one functions: no scores yet, and the flagging rules' date.
    assert contract.risk_level == RiskLevel.NOT_SCORED
    rules = list(FlaggingRule.objects.all())
    assert contract.flagged_from == services.flag_date(contract.total_value, contract.end_date, rules)
    record = contract.history.get()
    assert record.history_type == "+" and record.history_user == lead
    assert record.history_change_reason == "Imported from contracts.csv"


def test_an_existing_contract_is_updated_with_history_of_who_imported(register, people):
    lead = people[Role.CONTRACTS_OFFICER]
    existing = register["existing"]
    before = history_rows()
    row = good_row(
        **{
            "Contract ID": "E1",
            "Contract title": "Fostering framework",
            "Supplier": existing.supplier,
            "Total value": "130000",
            "Original annual value": "40000",
            "Start date": "01/04/2021",
            "End date": "31/03/2025",
            "Months": "48",
        }
    )
    result = run(csv_bytes([row]), user=lead)
    assert result.ok, result.errors
    [change] = result.changed
    assert change.columns == ["Total value", "End date", "Months"]
    assert "Total value: “£120,000” → “£130,000”" in [str(c) for c in change.changes]
    existing.refresh_from_db()
    assert existing.total_value == Decimal("130000") and existing.end_date == date(2025, 3, 31)
    assert existing.risk_index == 60  # its scores are its own: the file has no say in them
    assert history_rows() == before + 1
    record = existing.history.latest()
    assert record.history_user == lead and record.history_change_reason == "Imported from contracts.csv"
    rules = list(FlaggingRule.objects.all())
    assert existing.flagged_from == services.flag_date(Decimal("130000"), date(2025, 3, 31), rules)


def test_importing_the_same_file_again_changes_nothing(register, people):
    data = csv_bytes([good_row(), good_row(**{"Contract ID": "N101", "Attention": "Concern"})])
    assert run(data, user=people[Role.CONTRACTS_OFFICER]).ok
    before = snapshot()
    result = run(data, user=people[Role.CONTRACTS_OFFICER])
    assert result.ok and not result.created and not result.changed and result.unchanged == 2
    assert snapshot() == before  # no saves, no new history rows, the concern's raiser kept


def test_only_corporate_procurement_flags_a_concern_by_file_too(register, people):
    """An admin imports contracts but, as on the procurement page, does not flag or clear a concern."""
    admin, lead = people[Role.ADMIN], people[Role.CONTRACTS_OFFICER]
    flagged = csv_bytes([good_row(Attention="Concern")])
    before = snapshot()
    assert run(flagged, user=admin).errors == [
        RowError(
            2,
            "Attention",
            "Only Corporate Procurement can flag contract N100 as a concern or clear the flag: leave its "
            "Attention cell as the register has it, or leave the column out",
        )
    ]
    assert snapshot() == before
    assert run(flagged, user=lead).ok
    assert run(flagged, user=admin).unchanged == 1  # the same flag is no change
    assert not run(csv_bytes([good_row()]), user=admin).ok  # nor may an admin clear it
    assert run(csv_bytes([good_row(Supplier="New Ltd", Attention="Concern")]), user=admin).ok


def test_an_import_costs_the_same_queries_for_10_contracts_as_for_60(register, people, postgres):
    def queries(prefix: str, count: int, supplier: str) -> int:
        data = csv_bytes(
            [good_row(**{"Contract ID": f"{prefix}{n}", "Supplier": supplier}) for n in range(count)]
        )
        with CaptureQueriesContext(connection) as context:
            result = run(data, user=people[Role.CONTRACTS_OFFICER])
        assert result.ok, result.errors
        return len(context)

    small_new, large_new = queries("S", 10, "A Ltd"), queries("L", 60, "A Ltd")
    small_changed, large_changed = queries("S", 10, "B Ltd"), queries("L", 60, "B Ltd")
    small_same, large_same = queries("S", 10, "B Ltd"), queries("L", 60, "B Ltd")
    assert (small_new, small_changed, small_same) == (large_new, large_changed, large_same)


def test_a_contract_id_is_matched_without_regard_to_case(register):
    existing = register["existing"]
    existing.council_id = "AB12"
    existing.save()
    row = good_row(**{"Contract ID": "ab12", "Supplier": "Other Ltd"})
    result = run(csv_bytes([row]))
    assert not result.created and [c.council_id for c in result.changed] == ["ab12"]
    assert Contract.objects.get(pk=existing.pk).council_id == "AB12"


def test_left_out_optional_columns_leave_what_the_portal_has(register):
    existing = register["existing"]
    existing.current_annual_value = Decimal("41000")
    existing.capital = True
    existing.save()
    header = [c for c in HEADER if c not in {"Current annual value (estimated)", "Attention", "Capital"}]
    row = [
        v
        for c, v in zip(
            HEADER,
            good_row(
                **{
                    "Contract ID": "E1",
                    "Contract title": existing.title,
                    "Supplier": existing.supplier,
                    "Total value": "120000",
                    "Original annual value": "40000",
                    "Start date": "01/04/2021",
                    "End date": "31/03/2024",
                    "Months": "36",
                }
            ),
            strict=True,
        )
        if c in header
    ]
    result = run(csv_bytes([row], header=header))
    assert result.ok and result.unchanged == 1, (result.errors, result.changed)


def test_the_extracts_own_headings_are_read(register):
    extract = [
        "Risk Index",
        "Contract ID",
        "Owner",
        "Approver",
        "Contract Title",
        "Supplier Name",
        "Portfolio",
        "Total Value",
        "Original Annual Value",
        "Current Annual Value (Estimated)",
        "Proc Status",
        "Start Date",
        "End Date",
        "Months Duration",
    ]
    row = [
        "Higher Risk",
        "N100",
        "Olive Owner",
        "Amir Approver",
        "Short breaks",
        "Bright Days Ltd",
        "Children, Education and Families",
        "250000",
        "50000",
        "52000.25",
        "Green",
        "2024-04-01",
        "2029-03-31",
        "60",
    ]
    result = run(csv_bytes([row], header=extract))
    assert result.ok, result.errors
    contract = Contract.objects.get(council_id="N100")
    assert contract.current_annual_value == Decimal("52000.25")
    # Risk index and procurement status are the portal's, never the file's.
    assert contract.risk_level == RiskLevel.NOT_SCORED
    assert not ProcurementRating.objects.filter(contract=contract).exists()


def test_part_2_commentary_is_never_imported(register):
    """A file with commentary columns (a Part 2 extract, or someone's notes) imports its Part 1 columns
    only: the commentary stays what the portal has."""
    existing = register["existing"]
    header = [
        *HEADER,
        "Commentary",
        "Owner comment",
        "Corporate Procurement's comment",
        "Inflation mechanism",
    ]
    row = good_row(
        **{
            "Contract ID": "E1",
            "Contract title": existing.title,
            "Supplier": existing.supplier,
            "Total value": "120000",
            "Original annual value": "40000",
            "Start date": "01/04/2021",
            "End date": "31/03/2024",
            "Months": "36",
        }
    )
    new = good_row()
    extra = ["SECRET part 2 text", "SECRET owner", "SECRET procurement", "SECRET CPI"]
    result = run(csv_bytes([row + extra, new + extra], header=header))
    assert result.ok and result.unchanged == 1 and len(result.created) == 1
    assert ContractCommentary.objects.get().owner_comment == "Re-tendering next spring."
    assert not ContractCommentary.objects.filter(contract__council_id="N100").exists()
    assert "SECRET" not in str(list(Contract.objects.values()))


# Bad input: every problem named by line and column, nothing saved -------------------------------------


BAD = [
    ({"Total value": "-5"}, "Total value", "The amount must not be negative, not “-5”"),
    ({"Total value": "(5)"}, "Total value", "The amount must not be negative, not “(5)”"),
    ({"Original annual value": "lots"}, "Original annual value", "Cannot read “lots” as an amount in pounds"),
    (
        {"Current annual value (estimated)": "12.345"},
        "Current annual value (estimated)",
        "more than 2 decimal",
    ),
    ({"Total value": "1e3"}, "Total value", "Cannot read “1e3” as an amount"),
    ({"Total value": "1" * 40}, "Total value", "is too large"),
    ({"Months": "-3"}, "Months", "The months must not be negative"),
    ({"Months": "three"}, "Months", "The months must be a whole number such as 36, not “three”"),
    ({"Start date": "32/13/2024"}, "Start date", "Cannot read the date “32/13/2024”"),
    ({"End date": "01/04/2020"}, "End date", "The contract ends (01/04/2020) before it starts (01/04/2024)"),
    ({"Portfolio": "Narnia"}, "Portfolio", "Unknown portfolio “Narnia”: write a portfolio's name or code ("),
    ({"Owner": "Nobody Atall"}, "Owner", "Unknown owner “Nobody Atall”: no one in the portal has that name"),
    ({"Approver": ""}, "Approver", "Missing approver"),
    ({"Contract title": "x" * 301}, "Contract title", "The contract title is 301 characters long"),
    (
        {"Contract title": "** " + "n" * 51 + " ** Title"},
        "Contract title",
        "a status note may have 50 at most",
    ),
    ({"Supplier": "s" * 201}, "Supplier", "The supplier is 201 characters long: it may have 200 at most"),
    (
        {"Contract ID": "C" * 21},
        "Contract ID",
        "The contract ID is 21 characters long: it may have 20 at most",
    ),
    ({"Attention": "maybe"}, "Attention", "Cannot read “maybe”: write “Concern” or leave it empty"),
    ({"Capital": "sometimes"}, "Capital", "Cannot read “sometimes”: write “Capital” or leave it empty"),
]


@pytest.mark.parametrize(("changes", "column", "message"), BAD, ids=[b[2][:40] for b in BAD])
def test_a_bad_cell_is_named_by_line_and_column_and_nothing_is_saved(register, changes, column, message):
    before = snapshot()
    result = run(csv_bytes([good_row(**{"Contract ID": "OK1"}), good_row(**changes)]))
    assert not result.ok
    assert [(e.line, e.column) for e in result.errors] == [(3, column)], result.errors
    assert message in result.errors[0].message
    assert snapshot() == before


def test_duplicate_contract_ids_in_the_file(register):
    before = snapshot()
    result = run(csv_bytes([good_row(), good_row(Supplier="Other Ltd"), good_row(**{"Contract ID": "n100"})]))
    assert result.errors == [
        RowError(3, "Contract ID", "Contract N100 is on line 2 too: a contract may be in the file once"),
        RowError(4, "Contract ID", "Contract n100 is on line 2 too: a contract may be in the file once"),
    ]
    assert snapshot() == before


def test_a_missing_column(register):
    header = [c for c in HEADER if c != "End date"]
    row = [v for c, v in zip(HEADER, good_row(), strict=True) if c != "End date"]
    result = run(csv_bytes([row], header=header))
    [error] = result.errors
    assert (error.line, error.column) == (1, "End date")
    assert error.message.startswith(
        "The header row has no “End date” column. The columns are Contract ID, Owner, Approver, Contract title, "
    )
    assert "Current annual value (estimated), Attention, Capital may be left out" in error.message
    assert not Contract.objects.filter(council_id="N100").exists()


def test_a_person_two_people_are_called_must_be_named_by_user_name(register):
    contract_person("another-olive", "Olive", "Owner")
    result = run(csv_bytes([good_row()]))
    assert result.errors == [
        RowError(
            2,
            "Owner",
            "2 people in the portal are called “Olive Owner”: write the owner's user name or e-mail instead",
        )
    ]
    assert run(csv_bytes([good_row(Owner="another-olive")])).ok


def test_a_good_row_does_not_save_when_another_is_bad_and_problems_are_capped(register, settings):
    settings.IMPORT_MAX_ERRORS = 3
    rows = [good_row(**{"Contract ID": f"B{n}", "Months": "x"}) for n in range(5)]
    result = run(csv_bytes([good_row(), *rows]))
    assert len(result.errors) == 3 and result.errors_not_listed == 2 and result.error_count == 5
    assert not Contract.objects.filter(council_id="N100").exists()


# Hostile files: the core reader (bromley_portal.core.tabular) refuses them, in the register's words --------


def test_a_hostile_xlsx_is_refused_before_it_is_parsed(register):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x/>')
    result = run(out.getvalue(), "contracts.xlsx")
    assert [e.message for e in result.errors] == [
        "“contracts.xlsx” has XML declarations (a DTD) that Excel never writes, so the portal will not open it. "
        "Save the register from Excel as a new workbook, or as CSV UTF-8"
    ]


def test_a_file_past_the_limits_or_not_utf8_is_refused(register, settings):
    assert [e.message for e in run(b"C\x00o\x00", "c.csv").errors] == [
        "“c.csv” is saved as Unicode (UTF-16) text without its marker, which the portal cannot read. Save it as "
        "“CSV UTF-8” or as an Excel workbook (.xlsx) and upload it again"
    ]
    settings.IMPORT_MAX_ROWS = 2
    result = run(csv_bytes([good_row(**{"Contract ID": f"R{n}"}) for n in range(3)]))
    assert [str(e) for e in result.errors] == [
        "Line 4: “contracts.csv” has more than 2 rows below its header (line 4 has text). Split the register "
        "into smaller files"
    ]
    assert not Contract.objects.filter(council_id__startswith="R").exists()


# Round trips: the register's own exports come back without a change ----------------------------------


def months_from_now(months: int) -> date:
    return timezone.localdate() + relativedelta(months=months)


@pytest.fixture
def live_register(register, people):
    """Contracts in today's register with every kind of value the export writes."""
    lead = people[Role.CONTRACTS_OFFICER]
    common = {
        "start_date": months_from_now(-12),
        "end_date": months_from_now(36),
        "scores": uniform_scores(1),
    }
    make_contract(council_id="L1", status_note="Now Live", current_annual_value=Decimal("41234.56"), **common)
    make_contract(council_id="L2", title="=SUM(A1) pantomime", capital=True, **common)
    concern = make_contract(council_id="L3", total_value=Decimal("987654321.99"), **common)
    services.set_concern(concern, True, lead)
    make_contract(council_id="L4", end_date=months_from_now(3), start_date=months_from_now(-30), owner=lead)
    return register


def export(client, url: str, fmt: str) -> bytes:
    response = client.get(f"{url}{'&' if '?' in url else '?'}_export={fmt}")
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_live_registers_export_imports_back_without_a_change(client, people, live_register, fmt):
    client.force_login(people[Role.CONTRACTS_OFFICER])
    data = export(client, "/contracts/", fmt)
    before = snapshot()
    result = run(data, f"register.{fmt}", user=people[Role.CONTRACTS_OFFICER])
    assert result.ok, result.errors
    assert not result.created and not result.changed, [str(c) for ch in result.changed for c in ch.changes]
    assert result.unchanged == 4
    assert snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_cef_september_2022_extract_imports_back_without_a_change(client, people, db, fmt):
    """The 41 contracts of seed 004's Appendix 3, as the committee's register page exports them."""
    load_seed_register()
    client.force_login(people[Role.CLERK])
    cycle = RegisterCycle.objects.get(name="September 2022")
    data = export(client, f"/contracts/portfolios/CEF/?cycle={cycle.pk}&per_page=100", fmt)
    before = snapshot()
    result = run(data, f"cef.{fmt}")
    assert result.ok, result.errors
    assert (len(result.created), len(result.changed), result.unchanged) == (0, 0, 41)
    assert snapshot() == before


def test_an_edited_export_changes_just_what_was_edited(client, people, live_register):
    client.force_login(people[Role.CONTRACTS_OFFICER])
    rows = list(csv.reader(io.StringIO(export(client, "/contracts/", "csv").decode("utf-8-sig"))))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("Contract ID")] == "L1":
            row[header.index("Supplier")] = "New Supplier Ltd"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    result = run(out.getvalue().encode(), user=people[Role.CONTRACTS_OFFICER])
    assert [(c.council_id, c.columns) for c in result.changed] == [("L1", ["Supplier"])]
    assert result.unchanged == 3
    assert Contract.objects.get(council_id="L1").supplier == "New Supplier Ltd"


# The page: upload, preview, confirm ---------------------------------------------------------------


@pytest.fixture
def officer_client(client, people):
    client.force_login(people[Role.CONTRACTS_OFFICER])
    return client


def upload(client, data: bytes, name="contracts.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)})


def test_the_page_previews_the_changes_and_saves_nothing_until_confirmed(officer_client, register, people):
    existing = register["existing"]
    edited = good_row(
        **{
            "Contract ID": "E1",
            "Contract title": existing.title,
            "Supplier": "Renamed Ltd",
            "Total value": "120000",
            "Original annual value": "40000",
            "Start date": "01/04/2021",
            "End date": "31/03/2024",
            "Months": "36",
        }
    )
    before = snapshot()
    response = upload(officer_client, csv_bytes([good_row(), edited]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check the changes before importing" in page
    assert response.context["result"].created[0].council_id == "N100"
    assert "Supplier: “Supplier" in page and "Renamed Ltd" in page
    assert snapshot() == before  # a preview only
    token, kept = response.context["pending"].token, response.context["pending"].path
    assert default_storage.exists(kept)
    response = officer_client.post(CONFIRM, {"token": token})
    assert response.status_code == 302 and response["Location"] == "/contracts/"
    assert Contract.objects.get(council_id="E1").supplier == "Renamed Ltd"
    assert (
        Contract.objects.get(council_id="N100").history.get().history_user == people[Role.CONTRACTS_OFFICER]
    )
    # The kept file is gone, and the same confirmation cannot import twice.
    assert not default_storage.exists(kept)
    assert import_previews.SESSION_KEY not in officer_client.session
    response = officer_client.post(CONFIRM, {"token": token}, follow=True)
    assert "That preview has expired or was imported already" in response.content.decode()


def test_a_confirmation_after_the_register_changed_shows_the_new_preview(officer_client, register):
    response = upload(officer_client, csv_bytes([good_row()]))
    token = response.context["pending"].token
    make_contract(council_id="N100", title="Short breaks", supplier="Someone Else Ltd")
    before = snapshot()
    response = officer_client.post(CONFIRM, {"token": token})
    assert response.status_code == 409
    assert "The register changed after you checked the file" in response.content.decode()
    assert snapshot() == before
    response = officer_client.post(CONFIRM, {"token": token})  # confirming what it shows now
    assert response.status_code == 302
    assert Contract.objects.get(council_id="N100").supplier == "Bright Days Ltd"


def test_a_confirmation_after_someone_edited_the_contract_is_not_taken(officer_client, register):
    existing = register["existing"]
    edited = good_row(
        **{
            "Contract ID": "E1",
            "Contract title": existing.title,
            "Supplier": "Renamed Ltd",
            "Total value": "120000",
            "Original annual value": "40000",
            "Start date": "01/04/2021",
            "End date": "31/03/2024",
            "Months": "36",
        }
    )
    token = upload(officer_client, csv_bytes([edited])).context["pending"].token
    existing.supplier = "Edited Meanwhile Ltd"
    existing.save()
    response = officer_client.post(CONFIRM, {"token": token})
    assert response.status_code == 409
    assert "Supplier: “Edited Meanwhile Ltd” → “Renamed Ltd”" in response.content.decode()
    assert Contract.objects.get(pk=existing.pk).supplier == "Edited Meanwhile Ltd"


def test_another_session_cannot_confirm_a_preview(client, officer_client, register, people):
    token = upload(officer_client, csv_bytes([good_row()])).context["pending"].token
    client.force_login(people[Role.ADMIN])
    response = client.post(CONFIRM, {"token": token})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Contract.objects.filter(council_id="N100").exists()


def test_the_page_lists_the_problems_by_line_and_column(officer_client, register):
    response = upload(officer_client, csv_bytes([good_row(**{"Total value": "-1"})]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "Nothing was imported" in page
    assert response.context["result"].errors == [
        RowError(2, "Total value", "The amount must not be negative, not “-1”")
    ]
    assert "import_confirm" not in page and not Contract.objects.filter(council_id="N100").exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("contracts.pdf", b"%PDF", "The selected file must be a CSV or an Excel (.xlsx) file"),
        ("contracts.csv", b"", "The selected file is empty"),
    ],
)
def test_the_form_refuses_what_is_not_a_spreadsheet(officer_client, register, name, data, message):
    response = upload(officer_client, data, name)
    assert message in response.content.decode()


def test_the_register_links_to_the_import_for_those_allowed(client, people, register):
    for role, linked in [(Role.CONTRACTS_OFFICER, True), (Role.ADMIN, True), (Role.MEMBER, False)]:
        client.force_login(people[role])
        assert (URL in client.get("/contracts/").content.decode()) is linked, role


# The command ---------------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_says_what_changed(register, people, tmp_path, capsys):
    path = tmp_path / "contracts.csv"
    path.write_bytes(csv_bytes([good_row()]))
    call_command("import_contracts", str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out and not Contract.objects.filter(council_id="N100").exists()
    call_command("import_contracts", str(path), "--user", people[Role.ADMIN].username)
    assert "1 contract new, 0 changed, 0 unchanged." in capsys.readouterr().out
    assert Contract.objects.get(council_id="N100").history.get().history_user == people[Role.ADMIN]


def test_the_command_refuses_a_bad_file(register, tmp_path, capsys):
    path = tmp_path / "contracts.csv"
    path.write_bytes(csv_bytes([good_row(**{"End date": "01/01/2020"})]))
    with pytest.raises(CommandError, match=r"The file has 1 problem: nothing was imported\."):
        call_command("import_contracts", str(path))
    assert "line 2 (End date): The contract ends (01/01/2020) before it starts" in capsys.readouterr().err


def test_the_columns_are_the_registers_export_columns():
    from contracts.tables import ContractTable

    exported = [str(column.header) for column in ContractTable([]).columns]
    assert [c for c in exported if c not in {"Risk index", "Procurement status", "KPIs"}] == COLUMNS


def test_the_export_and_the_import_agree_on_an_excel_date_cell(register):
    """A register typed into Excel has real dates: they are read as the days they are."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    row = good_row()
    row[HEADER.index("Start date")] = date(2024, 4, 1)
    row[HEADER.index("End date")] = date(2029, 3, 31)
    row[HEADER.index("Total value")] = 1250000.5
    sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    result = run(out.getvalue(), "typed.xlsx")
    assert result.ok, result.errors
    contract = Contract.objects.get(council_id="N100")
    assert (contract.start_date, contract.total_value) == (date(2024, 4, 1), Decimal("1250000.50"))


def test_new_contracts_are_written_with_the_risk_index_and_flag_date_the_registers_rules_give(register):
    """The import writes new contracts by COPY with their figures (services.prepare_new); working them
    out again afterwards by the register's own rules changes nothing."""
    rows = [
        good_row(**{"Contract ID": f"F{n}", "Total value": value, "End date": end})
        for n, (value, end) in enumerate(
            [("40000", "31/03/2029"), ("£1,250,000.50", "30/06/2026"), ("25000000", "31/12/2027")]
        )
    ]
    assert run(csv_bytes(rows)).ok
    saved = {c.council_id: (c.risk_index, c.risk_level, c.flagged_from) for c in Contract.objects.all()}
    assert saved["F1"][2] is not None  # a flag date was worked out
    services.refresh_risk()
    services.refresh_flags()
    again = {c.council_id: (c.risk_index, c.risk_level, c.flagged_from) for c in Contract.objects.all()}
    assert again == saved
    assert Contract.history.filter(council_id__startswith="F", history_type="+").count() == 3
