"""The permissions matrix: every role against every page, and against every action done by POST.

Each app adds its pages to ``PAGES`` and its POST-only endpoints to ``ACTIONS``, and builds
the objects they need in its part of the made-up council (``tests/councils.py``).
``tests/test_permissions_matrix.py`` fails for any named URL of the portal that has no row here.

A page lists the roles that may open it; every other role (and a signed-in person with no
role) must be refused, by GET and by POST, and an anonymous visitor is sent to sign in. A
page's ``url`` is a string, or a function of the council; ``url_name`` is the name of the URL
pattern it opens (checked against ``url``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from axes.models import AccessAttempt

from bromley_portal.accounts.roles import Role
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from plans.choices import Rag, UpdateStatus
from plans.models import Action as Action_
from plans.models import QuarterlyUpdate

EVERY_ROLE = frozenset(Role)
PART_1_READERS = frozenset({Role.MEMBER, Role.OFFICER, Role.APPROVER, Role.CLERK, Role.ADMIN})


def _resolve(url, council) -> str:
    return url(council) if callable(url) else url


@dataclass(frozen=True)
class Page:
    name: str
    url: str | Callable
    allowed: frozenset = field(default_factory=frozenset)
    no_role_allowed: bool = False  # a signed-in person with no role may open it
    url_name: str = field(kw_only=True)
    public: bool = field(default=False, kw_only=True)  # an anonymous visitor opens it too
    api: bool = field(default=False, kw_only=True)  # the read API: an anonymous client gets 401
    signed_in_goes_to: str = field(default="", kw_only=True)  # where it sends anyone signed in
    # A step of single sign-on: 404 for everyone while it is not set up, as here (the matrix runs without
    # it); tests/test_single_sign_on.py checks these with it on, tests/browser/test_single_sign_on.py
    # through a real provider.
    sso: bool = field(default=False, kw_only=True)

    def __str__(self):
        return self.name

    def resolve(self, council) -> str:
        return _resolve(self.url, council)


@dataclass(frozen=True)
class Action:
    """Something done by POST at an address with no page of its own (or whose POST needs other roles
    than its page). The ``allowed`` roles get it done (a redirect, and ``done(council)`` becomes true);
    every other role is refused with 403 and nothing changes; an anonymous visitor is sent to sign in."""

    name: str
    url: str | Callable
    allowed: frozenset
    why: str  # what it does, and why it is POST only
    data: dict | Callable = field(default_factory=dict)
    done: Callable | None = None  # done(council): has it happened? None: nothing to look at
    no_role_allowed: bool = False
    url_name: str = field(kw_only=True)
    post_only: bool = field(default=True, kw_only=True)  # False: the page is a row in PAGES too

    def __str__(self):
        return self.name

    def resolve(self, council) -> str:
        return _resolve(self.url, council)

    def form_data(self, council) -> dict:
        return _resolve(self.data, council)


def _paper():
    from tests.meeting_factories import make_paper, upload

    return upload(make_paper("Matrix paper", 1), "matrix.pdf")


def _item_order(council) -> int:
    from meetings.models import AgendaItem

    return AgendaItem.objects.get(pk=council["agenda_item"].pk).order


def _pack_published(council) -> bool:
    from meetings.models import AgendaPack

    return AgendaPack.objects.get(pk=council["ready_pack"].pk).is_published


def _commentary(council):
    from contracts.models import ContractCommentary

    return ContractCommentary.objects.get(contract=council["contract"])


def _status(council, key, model=QuarterlyUpdate) -> str:
    """The status of the council's object ``key`` as the database has it now."""
    return model.objects.get(pk=council[key].pk).status


def _complaint(council, key):
    from complaints.models import Complaint

    return Complaint.objects.get(pk=council[key].pk)


def _case_version(council, key) -> str:
    """The version of the case a complaints officer would read on its page now."""
    from complaints import caseload
    from complaints.forms import case_version

    case = caseload.case_queryset().get(pk=council[key].pk)
    return case_version(case, caseload.aspects_of(case))


def _date_input(name: str, day) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _division_pk(name: str) -> int:
    from complaints.models import Division

    return Division.objects.get(name=name).pk


def _two_working_days_later(day):
    from bromley_portal.core.working_days import add_working_days

    return add_working_days(day, 2)


def _first_aspect(council, key="complaint"):
    return council[key].mentions.first().aspects.first()


COMPLAINTS_TEAM = frozenset({Role.COMPLAINTS_OFFICER, Role.ADMIN})


PAGES = [
    # The core: signing in and out, home, the accessibility statement and the health check.
    Page(
        "accessibility statement",
        "/accessibility/",
        EVERY_ROLE,
        no_role_allowed=True,
        public=True,
        url_name="accessibility",
    ),
    Page("health check", "/health/", EVERY_ROLE, no_role_allowed=True, public=True, url_name="health"),
    Page("sign in", "/accounts/login/", public=True, signed_in_goes_to="/", url_name="login"),
    Page("home", "/", EVERY_ROLE, no_role_allowed=True, url_name="home"),
    Page(
        "password change",
        "/accounts/password-change/",
        EVERY_ROLE,
        no_role_allowed=True,
        url_name="password_change",
    ),
    Page(
        "password changed",
        "/accounts/password-change/done/",
        EVERY_ROLE,
        no_role_allowed=True,
        url_name="password_change_done",
    ),
    # Password reset by e-mail: before signing in, so anyone opens it (a signed-in person too).
    *[
        Page(name, url, EVERY_ROLE, no_role_allowed=True, public=True, url_name=url_name)
        for name, url, url_name in [
            ("password reset", "/accounts/password-reset/", "password_reset"),
            ("password reset sent", "/accounts/password-reset/sent/", "password_reset_done"),
            # A link whose token is wrong: the page says the link does not work.
            ("password reset link", "/accounts/reset/MQ/no-such-token/", "password_reset_confirm"),
            ("password set", "/accounts/reset/done/", "password_reset_complete"),
        ]
    ],
    # Single sign-on: start (to the provider), the provider's answer, and the "ask your administrator" page.
    *[
        Page(name, url, EVERY_ROLE, no_role_allowed=True, public=True, sso=True, url_name=url_name)
        for name, url, url_name in [
            ("single sign-on start", "/accounts/sso/start/", "sso_start"),
            ("single sign-on answer", "/accounts/sso/callback/", "sso_callback"),
            ("single sign-on no role", "/accounts/sso/no-role/", "sso_no_role"),
        ]
    ],
    Page("sign-in lockouts", "/accounts/lockouts/", frozenset({Role.ADMIN}), url_name="lockouts"),
    # The Django admin is for admins. Its own pages are not all listed here: these are samples.
    Page("admin index", "/admin/", frozenset({Role.ADMIN}), url_name="admin:index"),
    Page(
        "admin people",
        "/admin/accounts/user/",
        frozenset({Role.ADMIN}),
        url_name="admin:accounts_user_changelist",
    ),
    Page(
        "admin identity provider groups",
        "/admin/accounts/identityprovidergroup/",
        frozenset({Role.ADMIN}),
        url_name="admin:accounts_identityprovidergroup_changelist",
    ),
    # Ambitions and plans: every role reads; admins edit and import.
    Page("strategy", "/strategy/", EVERY_ROLE, url_name="ambitions:strategy"),
    Page("ambition", "/strategy/ambitions/1/", EVERY_ROLE, url_name="ambitions:ambition"),
    Page("plans", "/plans/", EVERY_ROLE, url_name="plans:plan_list"),
    Page("plan", lambda council: council["plan"].get_absolute_url(), EVERY_ROLE, url_name="plans:plan"),
    Page(
        "plan spreadsheet",
        lambda council: council["plan"].get_absolute_url() + "export/?format=xlsx",
        EVERY_ROLE,
        url_name="plans:plan_export",
    ),
    Page("actions", "/plans/actions/", EVERY_ROLE, url_name="plans:action_list"),
    Page("actions export", "/plans/actions/?_export=xlsx", EVERY_ROLE, url_name="plans:action_list"),
    Page("action", lambda council: council["action"].get_absolute_url(), EVERY_ROLE, url_name="plans:action"),
    Page(
        "admin actions",
        "/admin/plans/action/",
        frozenset({Role.ADMIN}),
        url_name="admin:plans_action_changelist",
    ),
    Page("plan import", "/plans/import/", frozenset({Role.ADMIN}), url_name="plans:import"),
    Page(
        "plan import job",
        lambda council: f"/plans/import/{council['plan_import_job'].pk}/",
        frozenset({Role.ADMIN}),
        url_name="plans:import_job",
    ),
    Page(
        "admin action",
        lambda council: f"/admin/plans/action/{council['action'].pk}/change/",
        frozenset({Role.ADMIN}),
        url_name="admin:plans_action_change",
    ),
    # Quarterly updates: officers write, approvers approve, clerks run the periods; every role reads
    # an update (members only approved and locked ones, which visible_to decides).
    Page("my actions", "/plans/my-actions/", frozenset({Role.OFFICER}), url_name="plans:my_actions"),
    Page(
        "update, open quarter",
        lambda council: f"/plans/actions/{council['action'].pk}/updates/{council['open_period'].pk}/",
        EVERY_ROLE,
        url_name="plans:update",
    ),
    Page(
        "update, locked quarter",
        lambda council: f"/plans/actions/{council['action'].pk}/updates/{council['locked_period'].pk}/",
        EVERY_ROLE,
        url_name="plans:update",
    ),
    Page("approvals", "/plans/approvals/", frozenset({Role.APPROVER}), url_name="plans:approvals"),
    Page(
        "approval, beside last quarter",
        lambda council: f"/plans/approvals/{council['submitted_update'].pk}/",
        frozenset({Role.APPROVER}),
        url_name="plans:approval",
    ),
    Page(
        "approve green updates, confirmation",
        "/plans/approvals/approve-green/",
        frozenset({Role.APPROVER}),
        url_name="plans:approve_green",
    ),
    Page(
        "e-mail about updates to approve",
        "/plans/approvals/e-mail/",
        frozenset({Role.APPROVER}),
        url_name="plans:mail_preferences",
    ),
    Page("periods", "/plans/periods/", frozenset({Role.CLERK, Role.ADMIN}), url_name="plans:periods"),
    Page(
        "period overview",
        lambda council: f"/plans/periods/{council['open_period'].pk}/",
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="plans:period",
    ),
    # Opening and locking ask first (GET); the same roles confirm by POST.
    Page(
        "lock period",
        lambda council: f"/plans/periods/{council['open_period'].pk}/lock/",
        frozenset({Role.CLERK}),
        url_name="plans:lock_period",
    ),
    Page(
        "open period",
        lambda council: f"/plans/periods/{council['locked_period'].pk}/open/",
        frozenset({Role.CLERK}),
        url_name="plans:open_period",
    ),
    # The clerk, or the approver of the update's portfolio (the matrix's approver holds its post).
    Page(
        "amend update",
        lambda council: f"/plans/updates/{council['locked_update'].pk}/amend/",
        frozenset({Role.CLERK, Role.APPROVER}),
        url_name="plans:amend",
    ),
    # Dashboards: every role reads them.
    Page("corporate overview", "/plans/dashboards/", EVERY_ROLE, url_name="plans:dashboard"),
    Page(
        "ambition dashboard",
        "/plans/dashboards/ambitions/1/",
        EVERY_ROLE,
        url_name="plans:dashboard_ambition",
    ),
    Page(
        "portfolio dashboard",
        "/plans/dashboards/portfolios/CEF/",
        EVERY_ROLE,
        url_name="plans:dashboard_portfolio",
    ),
    Page(
        "measure", lambda council: council["measure"].get_absolute_url(), EVERY_ROLE, url_name="plans:measure"
    ),
    Page(
        "admin measures",
        "/admin/plans/measure/",
        frozenset({Role.ADMIN}),
        url_name="admin:plans_measure_changelist",
    ),
    # The contract register: every role reads the Part 1 register and a contract's page; Part 2
    # commentary is for contracts officers, clerks, admins and the contract's own approver (the matrix's
    # approver approves the council's contract).
    Page("contract register", "/contracts/", EVERY_ROLE, url_name="contracts:contract_list"),
    Page(
        "contract register export", "/contracts/?_export=xlsx", EVERY_ROLE, url_name="contracts:contract_list"
    ),
    Page(
        "contract",
        lambda council: council["contract"].get_absolute_url(),
        EVERY_ROLE,
        url_name="contracts:contract",
    ),
    Page(
        "contract commentary (Part 2)",
        lambda council: f"/contracts/{council['contract'].pk}/commentary/",
        frozenset({Role.CONTRACTS_OFFICER, Role.CLERK, Role.ADMIN, Role.APPROVER}),
        url_name="contracts:commentary",
    ),
    Page(
        "portfolio contract register",
        "/contracts/portfolios/CEF/",
        EVERY_ROLE,
        url_name="contracts:portfolio_register",
    ),
    Page(
        "portfolio contract register export",
        lambda council: f"/contracts/portfolios/CEF/?cycle={council['register_cycle'].pk}&_export=csv",
        EVERY_ROLE,
        url_name="contracts:portfolio_register",
    ),
    # The register's work pages: the matrix's officer owns the council's contract, its approver approves
    # it, and the contracts officer is the Governance & Contracts lead.
    Page(
        "my contracts",
        "/contracts/mine/",
        EVERY_ROLE - {Role.MEMBER},
        url_name="contracts:my_contracts",
    ),
    Page(
        "owner's comment on a contract (Part 2)",
        lambda council: f"/contracts/{council['contract'].pk}/comment/",
        frozenset({Role.OFFICER}),
        url_name="contracts:owner_comment",
    ),
    Page(
        "contracts to vouch for",
        "/contracts/approvals/",
        frozenset({Role.APPROVER}),
        url_name="contracts:approvals",
    ),
    Page(
        "contracts approaching their end",
        "/contracts/procurement/",
        frozenset({Role.CONTRACTS_OFFICER}),
        url_name="contracts:procurement",
    ),
    Page(
        "a contract's procurement status (Part 2)",
        lambda council: f"/contracts/{council['contract'].pk}/procurement/",
        frozenset({Role.CONTRACTS_OFFICER}),
        url_name="contracts:procurement_status",
    ),
    # Importing contracts from a spreadsheet: the contracts officers and admins who keep the register.
    Page(
        "contract import",
        "/contracts/import/",
        frozenset({Role.CONTRACTS_OFFICER, Role.ADMIN}),
        url_name="contracts:import",
    ),
    # Open data: public, Part 1 (contracts.feeds, contracts.ocds).
    *[
        Page(name, url, EVERY_ROLE, no_role_allowed=True, public=True, url_name=url_name)
        for name, url, url_name in [
            ("register OCDS package", "/contracts/open-data/ocds.json", "contracts:ocds_register"),
            (
                "contract OCDS package",
                lambda council: f"/contracts/open-data/contracts/{council['contract'].pk}/ocds.json",
                "contracts:ocds_contract",
            ),
            (
                "portfolio cycle OCDS package",
                lambda council: (
                    f"/contracts/open-data/portfolios/CEF/cycles/{council['register_cycle'].pk}/ocds.json"
                ),
                "contracts:ocds_cycle",
            ),
            (
                "Transparency Code contracts CSV",
                "/contracts/open-data/transparency-code.csv",
                "contracts:transparency_code",
            ),
        ]
    ],
    # The public committee pages: published meetings, Part 1 only (meetings.public_views).
    *[
        Page(name, url, EVERY_ROLE, no_role_allowed=True, public=True, url_name=url_name)
        for name, url, url_name in [
            ("public meetings", "/meetings/public/", "meetings:public_list"),
            (
                "public meeting",
                lambda council: f"/meetings/public/{council['public_meeting'].pk}/",
                "meetings:public_meeting",
            ),
            (
                "public Part 1 agenda pack",
                lambda council: (
                    f"/meetings/public/{council['public_meeting'].pk}/packs/{council['public_pack'].pk}/download/"
                ),
                "meetings:public_pack_download",
            ),
            (
                "public report web version",
                lambda council: (
                    f"/meetings/public/{council['public_meeting'].pk}/items/{council['public_report_item'].pk}/"
                ),
                "meetings:public_report",
            ),
        ]
    ],
    # The Procurement Act 2023's notices: for the procurement team (contracts officers and admins).
    *[
        Page(
            f"contract {kind} notice",
            lambda council, kind=kind, key=key: f"/contracts/{council[key].pk}/notices/{kind}/",
            frozenset({Role.CONTRACTS_OFFICER, Role.ADMIN}),
            url_name="contracts:contract_notice",
        )
        for kind, key in [
            ("details", "contract"),
            ("performance", "ended_contract"),
            ("change", "ended_contract"),
            ("termination", "ended_contract"),
        ]
    ],
    Page(
        "pipeline notice",
        "/contracts/notices/pipeline/",
        frozenset({Role.CONTRACTS_OFFICER, Role.ADMIN}),
        url_name="contracts:pipeline_notice",
    ),
    Page(
        "contracts short of the KPI duty", "/contracts/kpi-duty/", EVERY_ROLE, url_name="contracts:kpi_duty"
    ),
    Page(
        "admin contracts",
        "/admin/contracts/contract/",
        frozenset({Role.ADMIN}),
        url_name="admin:contracts_contract_changelist",
    ),
    Page(
        "admin risk criteria",
        "/admin/contracts/riskcriterion/",
        frozenset({Role.ADMIN}),
        url_name="admin:contracts_riskcriterion_changelist",
    ),
    # Complaints: the caseload and case work are the complaints team's (officers and admins).
    Page("complaints caseload", "/complaints/", COMPLAINTS_TEAM, url_name="complaints:caseload"),
    Page(
        "complaints caseload export",
        "/complaints/?_export=xlsx&overdue=true",
        COMPLAINTS_TEAM,
        url_name="complaints:caseload",
    ),
    Page("log a complaint", "/complaints/new/", COMPLAINTS_TEAM, url_name="complaints:log"),
    # Importing the years before the portal from a workbook or CSV (complaints/import_views.py).
    Page("complaint import", "/complaints/import/", COMPLAINTS_TEAM, url_name="complaints:import"),
    Page(
        "a complaint's page",
        lambda council: council["complaint"].get_absolute_url(),
        COMPLAINTS_TEAM,
        url_name="complaints:complaint",
    ),
    Page(
        "extend a complaint's response",
        lambda council: f"/complaints/{council['due_later'].pk}/extend/",
        COMPLAINTS_TEAM,
        url_name="complaints:extend",
    ),
    Page(
        "record an aspect's answer",
        lambda council: f"/complaints/{council['complaint'].pk}/aspects/{_first_aspect(council).pk}/",
        COMPLAINTS_TEAM,
        url_name="complaints:respond",
    ),
    Page(
        "close a complaint (asks first)",
        lambda council: f"/complaints/{council['answered_complaint'].pk}/close/",
        COMPLAINTS_TEAM,
        url_name="complaints:close",
    ),
    Page(
        "escalate a complaint (asks first)",
        lambda council: f"/complaints/{council['answered_complaint'].pk}/escalate/",
        COMPLAINTS_TEAM,
        url_name="complaints:escalate",
    ),
    # The Annual Complaints Report's words and the Code self-assessment: the complaints team writes them.
    Page(
        "annual complaints report's words",
        "/complaints/annual-report/2021-22/",
        COMPLAINTS_TEAM,
        url_name="complaints:report_text",
    ),
    Page(
        "a section's paragraphs",
        "/complaints/annual-report/2021-22/text/complaints_received/",
        COMPLAINTS_TEAM,
        url_name="complaints:report_narrative",
    ),
    Page(
        "a division chapter's opening",
        lambda council: f"/complaints/annual-report/2021-22/chapter/{council['report_division'].pk}/",
        COMPLAINTS_TEAM,
        url_name="complaints:report_chapter",
    ),
    Page(
        "a Code provision's self-assessment",
        "/complaints/annual-report/2026-27/code/stage_1/",
        COMPLAINTS_TEAM,
        url_name="complaints:report_self_assessment",
    ),
    # Complaints statistics: anonymous figures and the complaints behind them, for every role.
    Page("complaints statistics", "/complaints/statistics/", EVERY_ROLE, url_name="complaints:dashboard"),
    Page(
        "a division's complaints statistics",
        lambda council: f"/complaints/statistics/divisions/{_division_pk('Housing')}/?year=2026-27",
        EVERY_ROLE,
        url_name="complaints:dashboard_division",
    ),
    Page(
        "complaints behind the statistics",
        "/complaints/statistics/complaints/?year=2026-27&_export=csv",
        EVERY_ROLE,
        url_name="complaints:statistics_cases",
    ),
    # Complaints: the Django admin keeps divisions and services and corrects records (admins only);
    # complainants' details are there too, so nobody else reaches them.
    Page(
        "admin complaints",
        "/admin/complaints/complaint/",
        frozenset({Role.ADMIN}),
        url_name="admin:complaints_complaint_changelist",
    ),
    Page(
        "admin complainant",
        lambda council: f"/admin/complaints/complainant/{council['complaint'].complainant_id}/change/",
        frozenset({Role.ADMIN}),
        url_name="admin:complaints_complainant_change",
    ),
    Page(
        "admin closure days",
        "/admin/core/closureday/",
        frozenset({Role.ADMIN}),
        url_name="admin:core_closureday_changelist",
    ),
    # Committee reports: Part 1 readers see the list and read Part 1 reports; clerks and admins ask
    # for reports. (Part 2 reports, to clerks and admins only, are tested in test_reports.py.)
    Page("reports", "/reports/", PART_1_READERS, url_name="reports:index"),
    Page(
        "request plan progress report",
        "/reports/new/plan_progress/",
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="reports:request",
    ),
    Page(
        "request exception report",
        "/reports/new/exception_report/",
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="reports:request",
    ),
    Page(
        "request corporate summary",
        "/reports/new/corporate_summary/",
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="reports:request",
    ),
    *(
        Page(
            f"request {name}",
            f"/reports/new/{name}/",
            frozenset({Role.CLERK, Role.ADMIN}),
            url_name="reports:request",
        )
        for name in [
            "contracts_register",
            "contracts_part_1",
            "contracts_part_2",
            "complaints_cover",
            "complaints_annual",
        ]
    ),
    Page(
        "report progress",
        lambda council: f"/reports/{council['report_job'].pk}/",
        PART_1_READERS,
        url_name="reports:job",
    ),
    Page(
        "report status",
        lambda council: f"/reports/{council['report_job'].pk}/status/",
        PART_1_READERS,
        url_name="reports:job_status",
    ),
    Page(
        "report download",
        lambda council: f"/reports/{council['report_job'].pk}/download/",
        PART_1_READERS,
        url_name="reports:download",
    ),
    Page(
        "report web version",
        lambda council: f"/reports/{council['report_job'].pk}/html/",
        PART_1_READERS,
        url_name="reports:html",
    ),
    # Meetings: Part 1 readers read meetings and their published Part 1 packs; clerks and admins prepare
    # agendas; the Part 2 pack is for clerks and admins only.
    Page("meetings", "/meetings/", PART_1_READERS, url_name="meetings:meeting_list"),
    Page(
        "add meeting", "/meetings/new/", frozenset({Role.CLERK, Role.ADMIN}), url_name="meetings:meeting_add"
    ),
    Page(
        "meeting",
        lambda council: council["meeting"].get_absolute_url(),
        PART_1_READERS,
        url_name="meetings:meeting",
    ),
    Page(
        "add agenda item",
        lambda council: f"/meetings/{council['meeting'].pk}/items/new/",
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="meetings:item_add",
    ),
    Page(
        "agenda item",
        lambda council: council["agenda_item"].get_absolute_url(),
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="meetings:item",
    ),
    Page(
        "published agenda pack",
        lambda council: council["published_pack"].get_absolute_url(),
        PART_1_READERS,
        url_name="meetings:pack",
    ),
    Page(
        "download Part 1 agenda pack",
        lambda council: f"{council['published_pack'].get_absolute_url()}download/",
        PART_1_READERS,
        url_name="meetings:pack_download",
    ),
    Page(
        "download Part 2 agenda pack",
        lambda council: f"{council['published_pack'].get_absolute_url()}part-2/",
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="meetings:pack_part_2_download",
    ),
    # Scrutiny actions: clerks and admins record and edit; the holder of the action's post (the matrix's
    # officer) reads and answers it; members of the committee (the matrix's member sits on it) read.
    Page(
        "scrutiny actions",
        "/meetings/actions/",
        frozenset({Role.MEMBER, Role.OFFICER, Role.APPROVER, Role.CLERK, Role.ADMIN}),
        url_name="meetings:action_index",
    ),
    Page(
        "committee's scrutiny actions",
        lambda council: f"/meetings/committees/{council['meeting'].committee_id}/actions/",
        frozenset({Role.MEMBER, Role.CLERK, Role.ADMIN}),
        url_name="meetings:committee_actions",
    ),
    Page(
        "record a scrutiny action",
        lambda council: f"/meetings/{council['meeting'].pk}/actions/new/",
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="meetings:action_add",
    ),
    Page(
        "scrutiny action",
        lambda council: council["scrutiny_action"].get_absolute_url(),
        frozenset({Role.MEMBER, Role.OFFICER, Role.CLERK, Role.ADMIN}),
        url_name="meetings:action",
    ),
    Page(
        "edit a scrutiny action",
        lambda council: f"{council['scrutiny_action'].get_absolute_url()}edit/",
        frozenset({Role.CLERK, Role.ADMIN}),
        url_name="meetings:action_edit",
    ),
    Page(
        "answer a scrutiny action",
        lambda council: f"{council['scrutiny_action'].get_absolute_url()}answer/",
        frozenset({Role.OFFICER}),
        url_name="meetings:action_answer",
    ),
    Page(
        "admin committee memberships",
        "/admin/meetings/committeemembership/",
        frozenset({Role.ADMIN}),
        url_name="admin:meetings_committeemembership_changelist",
    ),
]


# The read API (api/): every role reads what its pages show (the same permission); a signed-in
# person with no role is refused (403) and an anonymous client gets 401, not a sign-in page. Its
# schema and docs page are public. The open data (api.feeds) is public, as the OCDS feeds are.
# Each row is also asked with a personal token in tests/test_api_matrix.py.
API_PAGES = [
    Page(name, url, EVERY_ROLE, api=True, url_name=url_name)
    for name, url, url_name in [
        ("API ambitions", "/api/v1/ambitions/", "api:ambitions"),
        ("API plans", "/api/v1/plans/", "api:plans"),
        ("API actions", "/api/v1/actions/", "api:actions"),
        ("API reporting periods", "/api/v1/periods/", "api:periods"),
        ("API measures", "/api/v1/measures/", "api:measures"),
        ("API contracts", "/api/v1/contracts/", "api:contracts"),
        (
            "API complaint statistics",
            "/api/v1/complaint-statistics/?year=2023-24",
            "api:complaint_statistics",
        ),
    ]
]
PAGES += [
    *API_PAGES,
    *[
        Page(name, url, EVERY_ROLE, no_role_allowed=True, public=True, url_name=url_name)
        for name, url, url_name in [
            ("API schema", "/api/v1/schema/", "api:schema"),
            ("API docs", "/api/docs/", "api:docs"),
            ("open data", "/open-data/", "open_data:index"),
            ("open data: Power BI and Excel", "/open-data/connect/", "open_data:connect"),
            ("open data dictionary", "/open-data/schemas/actions.json", "open_data:schema"),
            ("open data package", "/open-data/2023-24/datapackage.json", "open_data:datapackage"),
            ("open data actions CSV", "/open-data/2023-24/actions.csv", "open_data:feed"),
            ("open data measures JSON", "/open-data/2023-24/measures.json", "open_data:feed"),
            ("open data contracts CSV", "/open-data/2023-24/contracts.csv", "open_data:feed"),
            ("open data complaints JSON", "/open-data/2023-24/complaints.json", "open_data:feed"),
        ]
    ],
    # Your account's API tokens: anyone signed in keeps their own.
    Page("API tokens", "/accounts/api-tokens/", EVERY_ROLE, no_role_allowed=True, url_name="api_tokens"),
]

ACTIONS = [
    # The contract register's work pages.
    Action(
        "save the owner's comment on a contract",
        lambda council: f"/contracts/{council['contract'].pk}/comment/",
        frozenset({Role.OFFICER}),
        why="Only the contract's owner (the matrix's officer) writes the owner's comment.",
        data={"version": "1", "owner_comment": "Matrix comment", "inflation_mechanism": "CPI"},
        done=lambda council: _commentary(council).owner_comment == "Matrix comment",
        url_name="contracts:owner_comment",
        post_only=False,
    ),
    Action(
        "set a contract's procurement status",
        lambda council: f"/contracts/{council['contract'].pk}/procurement/",
        frozenset({Role.CONTRACTS_OFFICER}),
        why="Only the Governance & Contracts lead sets the RAG, the concern flag and Procurement's comment.",
        data={"version": "0", "rag": "amber", "procurement_comment": "Tender out", "concern": "on"},
        done=lambda council: _commentary(council).procurement_comment == "Tender out",
        url_name="contracts:procurement_status",
        post_only=False,
    ),
    Action(
        "vouch for a contract's owner's comment",
        lambda council: f"/contracts/{council['contract'].pk}/vouch/",
        frozenset({Role.APPROVER}),
        why="The contract's approver vouches from their queue, which has the button.",
        data={"version": "1"},
        done=lambda council: _commentary(council).vouched_version == 1,
        url_name="contracts:vouch",
    ),
    # Complaints case work: each form carries the version of the case read on its page.
    Action(
        "acknowledge a complaint",
        lambda council: f"/complaints/{council['received_complaint'].pk}/acknowledge/",
        COMPLAINTS_TEAM,
        why="Records the acknowledgement, from the complaint's page, which has the form.",
        data=lambda council: {
            "version": _case_version(council, "received_complaint"),
            **_date_input("acknowledged_on", date(2026, 11, 26)),
        },
        done=lambda council: _complaint(council, "received_complaint").acknowledged_on == date(2026, 11, 26),
        url_name="complaints:acknowledge",
    ),
    Action(
        "assign a complaint",
        lambda council: f"/complaints/{council['received_complaint'].pk}/assign/",
        COMPLAINTS_TEAM,
        why="Gives the case to a complaints officer, from the complaint's page, which has the form.",
        data=lambda council: {
            "version": _case_version(council, "received_complaint"),
            "handler": str(council["case_handler"].pk),
        },
        done=lambda council: (
            _complaint(council, "received_complaint").handler_id == council["case_handler"].pk
        ),
        url_name="complaints:assign",
    ),
    Action(
        "extend a complaint's response date",
        lambda council: f"/complaints/{council['due_later'].pk}/extend/",
        COMPLAINTS_TEAM,
        why="The extension page's form: a reason and a new date within the procedure's limit.",
        data=lambda council: {
            "version": _case_version(council, "due_later"),
            "reason": "Waiting for the contractor's report",
            **_date_input("new_due", _two_working_days_later(council["due_later"].respond_by)),
        },
        done=lambda council: (
            _complaint(council, "due_later").respond_by
            == _two_working_days_later(council["due_later"].respond_by)
        ),
        url_name="complaints:extend",
        post_only=False,
    ),
    Action(
        "record an aspect's answer",
        lambda council: f"/complaints/{council['complaint'].pk}/aspects/{_first_aspect(council).pk}/",
        COMPLAINTS_TEAM,
        why="The aspect's page records its outcome and the date it was answered.",
        data=lambda council: {
            "version": _case_version(council, "complaint"),
            "outcome": "partially_upheld",
            **_date_input("responded_on", date(2026, 11, 20)),
        },
        done=lambda council: _first_aspect(council).outcome == "partially_upheld",
        url_name="complaints:respond",
        post_only=False,
    ),
    Action(
        "close a complaint",
        lambda council: f"/complaints/{council['answered_complaint'].pk}/close/",
        COMPLAINTS_TEAM,
        why="Closes an answered complaint after its page asks first (it cannot be undone).",
        data=lambda council: {
            "version": _case_version(council, "answered_complaint"),
            **_date_input("closed_on", date(2026, 11, 13)),
        },
        done=lambda council: _complaint(council, "answered_complaint").closed_on == date(2026, 11, 13),
        url_name="complaints:close",
        post_only=False,
    ),
    Action(
        "escalate a complaint",
        lambda council: f"/complaints/{council['answered_complaint'].pk}/escalate/",
        COMPLAINTS_TEAM,
        why="Opens the next stage after its page asks first (it cannot be undone).",
        data=lambda council: {
            "version": _case_version(council, "answered_complaint"),
            **_date_input("received", date(2026, 11, 16)),
        },
        done=lambda council: _complaint(council, "answered_complaint").status == "escalated",
        url_name="complaints:escalate",
        post_only=False,
    ),
    Action(
        "confirm a contract import",
        "/contracts/import/confirm/",
        frozenset({Role.CONTRACTS_OFFICER, Role.ADMIN}),
        why="Imports the file the person previewed, kept for their session; with none kept it sends them back "
        "to upload one (tests/test_contract_import.py imports through it).",
        url_name="contracts:import_confirm",
    ),
    Action(
        "confirm a complaint import",
        "/complaints/import/confirm/",
        COMPLAINTS_TEAM,
        why="Imports the file the person previewed, kept for their session; with none kept it sends them back "
        "to upload one (tests/test_complaint_import_page.py imports through it).",
        url_name="complaints:import_confirm",
    ),
    Action(
        "confirm a plan import",
        "/plans/import/confirm/",
        frozenset({Role.ADMIN}),
        why="Imports the plan file the person previewed, kept for their session; with none kept it sends them "
        "back to upload one (tests/test_plan_import_preview.py imports through it).",
        url_name="plans:import_confirm",
    ),
    Action(
        "confirm a background plan import",
        lambda council: f"/plans/import/{council['plan_import_job'].pk}/confirm/",
        frozenset({Role.ADMIN}),
        why="Asks a worker to import a large plan file the person's background preview checked; for anything "
        "else (here, a job that is no preview) it sends them back to upload one "
        "(tests/test_plan_import_preview.py imports through it).",
        url_name="plans:import_job_confirm",
    ),
    # The core.
    Action(
        "sign out",
        "/accounts/logout/",
        EVERY_ROLE,
        no_role_allowed=True,
        why="Ends the session. POST only (Django's LogoutView), so a link on another site cannot sign anyone out.",
        url_name="logout",
    ),
    Action(
        "clear a sign-in lockout",
        "/accounts/lockouts/clear/",
        frozenset({Role.ADMIN}),
        why="Lets a locked-out account sign in again, from the button on the lockouts page.",
        data={"username": "locked-out-person"},
        done=lambda council: not AccessAttempt.objects.filter(username="locked-out-person").exists(),
        url_name="clear_lockout",
    ),
    Action(
        "revoke an API token",
        lambda council: f"/accounts/api-tokens/{council['api_token'].pk}/revoke/",
        EVERY_ROLE,
        no_role_allowed=True,
        why="From the account's tokens page. Anyone signed in may ask; only the token's owner (the "
        "officer) revokes it, and anyone else is told nothing changed (tests/test_api.py).",
        url_name="revoke_api_token",
    ),
    # Quarterly updates.
    Action(
        "save update",
        lambda council: f"/plans/actions/{council['action'].pk}/updates/{council['open_period'].pk}/",
        frozenset({Role.OFFICER}),
        why="Every role reads the update page; only the action's lead (the matrix's officer) saves it.",
        data=lambda council: {
            "version": "0",
            "rag": Rag.GREEN,
            "narrative": "Going well",
            "evidence_links": "",
            **{f"figure_{m.pk}": "" for m in council["action"].measures_of_success.all()},
        },
        done=lambda council: QuarterlyUpdate.objects.filter(
            action=council["action"], period=council["open_period"]
        ).exists(),
        url_name="plans:update",
        post_only=False,
    ),
    Action(
        "approve update",
        lambda council: f"/plans/updates/{council['submitted_update'].pk}/approve/",
        frozenset({Role.APPROVER}),
        why="Approves a submitted update from the approvals queue, which has the button.",
        data=lambda council: {
            f"decide-{council['submitted_update'].pk}-version": str(council["submitted_update"].version)
        },
        done=lambda council: _status(council, "submitted_update") == UpdateStatus.APPROVED,
        url_name="plans:approve",
    ),
    Action(
        "return update",
        lambda council: f"/plans/updates/{council['submitted_update'].pk}/return/",
        frozenset({Role.APPROVER}),
        why="Returns a submitted update to its lead with a comment, from the approvals queue.",
        data=lambda council: {
            f"return-{council['submitted_update'].pk}-comment": "Please add the figures.",
            f"return-{council['submitted_update'].pk}-version": str(council["submitted_update"].version),
        },
        done=lambda council: _status(council, "submitted_update") == UpdateStatus.RETURNED,
        url_name="plans:return",
    ),
    Action(
        "reopen a complete action",
        lambda council: f"/plans/actions/{council['complete_action'].pk}/reopen/{council['open_period'].pk}/",
        frozenset({Role.OFFICER, Role.APPROVER}),
        why="Asks the lead for updates again on an action reported Complete, from its update page; "
        "its lead (the matrix's officer) or the portfolio's approver may.",
        done=lambda council: Action_.objects.get(pk=council["complete_action"].pk).reopened_at is not None,
        url_name="plans:reopen_action",
    ),
    # Committee reports.
    Action(
        "retry report",
        lambda council: f"/reports/{council['failed_report_job'].pk}/retry/",
        frozenset({Role.CLERK, Role.ADMIN}),
        why="Sends a failed report to a worker again, from its progress page.",
        done=lambda council: _status(council, "failed_report_job", ReportJob) == JobStatus.PENDING,
        url_name="reports:retry",
    ),
    Action(
        "publish report",
        lambda council: f"/reports/{council['report_job'].pk}/publish/",
        frozenset({Role.CLERK, Role.ADMIN}),
        why="Keeps a finished report as a committee paper, from its progress page.",
        done=lambda council: ReportJob.objects.get(pk=council["report_job"].pk).published,
        url_name="reports:publish",
    ),
    # Meetings.
    Action(
        "upload an agenda paper",
        lambda council: f"{council['agenda_item'].get_absolute_url()}upload/",
        frozenset({Role.CLERK, Role.ADMIN}),
        why="Checks an uploaded PDF and keeps its cleaned copy as the item's paper, from the item's page.",
        data=lambda council: {"paper": _paper()},
        url_name="meetings:item_upload",
    ),
    Action(
        "attach a report to an agenda item",
        lambda council: f"{council['agenda_item'].get_absolute_url()}attach/",
        frozenset({Role.CLERK, Role.ADMIN}),
        why="Asks for a report again with the item's report number, from the item's page.",
        data=lambda council: {"report": council["report_job"].pk},
        url_name="meetings:item_attach",
    ),
    Action(
        "move an agenda item",
        lambda council: f"{council['agenda_item'].get_absolute_url()}move/",
        frozenset({Role.CLERK, Role.ADMIN}),
        why="Moves an item down the agenda, from the meeting's page.",
        data={"direction": "down"},
        done=lambda council: _item_order(council) == 1,
        url_name="meetings:item_move",
    ),
    Action(
        "build an agenda pack",
        lambda council: f"/meetings/{council['meeting'].pk}/pack/",
        frozenset({Role.CLERK, Role.ADMIN}),
        why="Sends a new version of the pack to a worker, from the meeting's page.",
        url_name="meetings:build_pack",
    ),
    Action(
        "publish an agenda pack",
        lambda council: f"{council['ready_pack'].get_absolute_url()}publish/",
        frozenset({Role.CLERK, Role.ADMIN}),
        why="Publishes a finished pack for good (cannot be undone), from the pack's page, which asks first.",
        done=lambda council: _pack_published(council),
        url_name="meetings:pack_publish",
    ),
]
