"""Part 2 commentary (exempt under Schedule 12A, paragraph 3) never reaches a Part 1 page or export, and
only those allowed read it: contracts officers, the contract's own approver, clerks and admins."""

import io

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from bromley_portal.accounts.roles import Role
from contracts import services
from contracts.models import ContractCommentary
from tests.contract_factories import make_contract, make_cycle, uniform_scores
from tests.factories import make_user

SECRETS = ["OWNER-SECRET-7731", "PROCUREMENT-SECRET-4410", "INFLATION-SECRET-9052"]


@pytest.fixture
def contract(people):
    today = timezone.localdate()
    contract = make_contract(
        approver=people[Role.APPROVER],
        start_date=today - relativedelta(years=1),
        end_date=today + relativedelta(months=3),
        scores=uniform_scores(2),
        commentary={
            "owner_comment": SECRETS[0],
            "procurement_comment": SECRETS[1],
            "inflation_mechanism": SECRETS[2],
        },
    )
    services.freeze_cycle(make_cycle("This month", today - relativedelta(days=1)))
    ContractCommentary.objects.filter(contract=contract).update(owner_comment=SECRETS[0] + " (changed since)")
    return contract


def part_1_outputs(client, contract) -> dict[str, str]:
    """Every Part 1 page and export of the register, as text."""
    urls = {
        "register": "/contracts/",
        "register csv": "/contracts/?_export=csv",
        "contract page": contract.get_absolute_url(),
        "portfolio register": "/contracts/portfolios/CEF/",
        "portfolio register csv": "/contracts/portfolios/CEF/?_export=csv",
    }
    outputs = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        outputs[name] = response.content.decode("utf-8-sig")
    for name, url in {
        "register xlsx": "/contracts/",
        "portfolio register xlsx": "/contracts/portfolios/CEF/",
    }.items():
        sheet = openpyxl.load_workbook(io.BytesIO(client.get(url + "?_export=xlsx").content)).active
        outputs[name] = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    return outputs


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CONTRACTS_OFFICER, Role.CLERK, Role.APPROVER, Role.MEMBER])
def test_no_commentary_reaches_any_part_1_output_even_for_those_allowed_to_read_it(
    client, people, contract, role
):
    client.force_login(people[role])
    outputs = part_1_outputs(client, contract)
    assert (
        contract.council_id in outputs["register"]
        and contract.council_id in outputs["portfolio register xlsx"]
    )
    for name, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} in the {name}"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CONTRACTS_OFFICER, Role.CLERK, Role.APPROVER])
def test_those_allowed_read_it_now_and_as_each_cycle_froze_it_on_the_part_2_page(
    client, people, contract, role
):
    client.force_login(people[role])
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Read the commentary on this contract (Part 2" in page
    response = client.get(f"/contracts/{contract.pk}/commentary/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "PART 2 - NOT FOR PUBLICATION" in text and "paragraph 3 of Schedule 12A" in text
    assert all(secret in text for secret in SECRETS)
    assert f"{SECRETS[0]} (changed since)" in text  # now
    assert text.count(SECRETS[0]) == 2  # and as the cycle froze it


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OFFICER, Role.COMPLAINTS_OFFICER, None])
def test_nobody_else_reads_it(client, people, contract, role):
    client.force_login(people[role])
    response = client.get(f"/contracts/{contract.pk}/commentary/")
    assert response.status_code == 403
    assert not any(secret in response.content.decode() for secret in SECRETS)


def test_an_approver_reads_only_the_commentary_of_contracts_they_approve(client, contract):
    other = make_user(Role.APPROVER, username="another-approver")
    client.force_login(other)
    assert client.get(f"/contracts/{contract.pk}/commentary/").status_code == 403
    assert "Read the commentary" not in client.get(contract.get_absolute_url()).content.decode()
