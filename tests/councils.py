"""The small made-up council that the permissions matrix runs against, built part by part.

Each app writes one builder that adds its own objects to the shared council (a dict), so a
new app adds its part here without touching another app's::

    @council_part("contracts")
    def contracts_part(council, people):
        council["contract"] = Contract.objects.create(portfolio=council["portfolios"]["CEF"], ...)

Parts run in the order they are written in this file; a part may use what an earlier part
added. A key can be set once only, so two parts cannot overwrite each other's objects.
``people`` is the ``people`` fixture: one user per role, and ``None`` for a person with no role.
"""

from collections.abc import Callable

from axes.models import AccessAttempt
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from ambitions.models import Post
from ambitions.services import ensure_portfolios
from bromley_portal.accounts.roles import Role
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from plans.choices import ImportStatus, PeriodStatus, Rag, UpdateStatus
from plans.models import Measure, PlanImportJob, QuarterlyUpdate, Reading, ReportingPeriod
from tests.factories import make_plan, make_strategy

Builder = Callable[[dict, dict], None]
_parts: dict[str, Builder] = {}


def council_part(name: str) -> Callable[[Builder], Builder]:
    """Register ``builder(council, people)`` as the part of the council that ``name`` adds."""

    def register(builder: Builder) -> Builder:
        if name in _parts:
            raise ValueError(f"There is already a council part called {name!r}.")
        _parts[name] = builder
        return builder

    return register


class Council(dict):
    """The objects the parts made, by name; each name is set once."""

    def __setitem__(self, key, value):
        if key in self:
            raise KeyError(f"council[{key!r}] is already set by an earlier part")
        super().__setitem__(key, value)

    def update(self, other=(), /, **more):
        for key, value in dict(other, **more).items():
            self[key] = value


def build_council(people: dict) -> Council:
    """Every part, in order. Parts may store files: point MEDIA_ROOT at a temporary folder first."""
    council = Council()
    for builder in _parts.values():
        builder(council, people)
    return council


# Sign-in (accounts) ---------------------------------------------------------------------


@council_part("accounts")
def accounts_part(council, people):
    """Someone locked out after failed sign-ins, for admins to clear; the officer's API token."""
    from bromley_portal.accounts.tokens import create_token

    council["api_token"] = create_token(people[Role.OFFICER], "Matrix", 30).token
    council["lockout"] = AccessAttempt.objects.create(
        username="locked-out-person",
        ip_address="192.0.2.1",
        user_agent="test",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="text/html",
        path_info="/accounts/login/",
    )


# The council's structure and strategy (ambitions) --------------------------------------------


@council_part("ambitions")
def ambitions_part(council, people):
    """The six portfolios, and a strategy with five ambitions (ambition 1 has its own page)."""
    council["portfolios"] = ensure_portfolios()
    council["strategy"] = make_strategy()


# Plans and quarterly updates -----------------------------------------------------------------


@council_part("plans")
def plans_part(council, people):
    """A CEF plan and its actions; a locked quarter with the first action's update as reported, and an
    open quarter with the second action's update submitted. The officer holds the actions' lead post
    (so writes their updates); the approver holds a post for the plan's portfolio (so approves and
    amends its updates). A measure with a reading; a finished plan progress report and a failed one
    (the committee report pages need a job of some registered type: this is plans')."""
    plan = make_plan()
    first, second = plan.sections.first().actions.order_by("number")[:2]
    first.lead_posts[0].holders.add(people[Role.OFFICER])
    locked = ReportingPeriod.objects.create(
        year=plan.year, quarter=3, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(plan.year, 3)
    )
    open_period = ReportingPeriod.objects.create(
        year=plan.year, quarter=4, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(plan.year, 4)
    )
    Post.objects.create(title="Director CEF", portfolio=plan.portfolio).holders.add(people[Role.APPROVER])
    measure = Measure.objects.create(
        slug="schools-good",
        name="Schools good or outstanding",
        definition="d",
        unit="percentage",
        polarity="higher_is_better",
        frequency="annual",
    )
    Reading.objects.create(measure=measure, period=locked, actual=96, target=95)
    parameters = {"plan": plan.pk, "period": locked.pk}
    report_file = default_storage.save("reports/matrix/report.pdf", ContentFile(b"%PDF-1.7 matrix"))
    council.update(
        plan=plan,
        action=first,
        locked_period=locked,
        open_period=open_period,
        locked_update=QuarterlyUpdate.objects.create(
            action=first, period=locked, rag=Rag.GREEN, narrative="As reported", status=UpdateStatus.LOCKED
        ),
        submitted_update=QuarterlyUpdate.objects.create(
            action=second,
            period=open_period,
            rag=Rag.AMBER,
            narrative="At risk",
            status=UpdateStatus.SUBMITTED,
        ),
        measure=measure,
        report_job=ReportJob.objects.create(
            report_type="plan_progress",
            parameters=parameters,
            title="CEF plan progress",
            dedupe_key="matrix-done",
            status=JobStatus.DONE,
            file=report_file,
            finished_at=timezone.now(),
            page_count=1,
            size=15,
        ),
        failed_report_job=ReportJob.objects.create(
            report_type="plan_progress",
            parameters=parameters,
            title="CEF plan progress",
            dedupe_key="matrix-failed",
            status=JobStatus.FAILED,
            error="The worker stopped.",
            finished_at=timezone.now(),
        ),
    )
    # An action reported Complete in the locked quarter, led by the officer: not asked again until reopened.
    complete = plan.sections.first().actions.order_by("number")[2]
    complete.lead_posts[0].holders.add(people[Role.OFFICER])
    QuarterlyUpdate.objects.create(
        action=complete, period=locked, rag=Rag.COMPLETE, narrative="Done", status=UpdateStatus.LOCKED
    )
    council["complete_action"] = complete
    council["plan_import_job"] = PlanImportJob.objects.create(
        requested_by=people[Role.ADMIN],
        portfolio=plan.portfolio,
        year=plan.year,
        filename="cef-plan.csv",
        status=ImportStatus.RUNNING,
        stage="Reading the file",
        percent=20,
    )


# The contract register -----------------------------------------------------------------------


@council_part("contracts")
def contracts_part(council, people):
    """A CEF contract approached by its end, approved by the matrix's approver (so they read its Part 2
    commentary), with a commentary; a cycle frozen with it in."""
    from datetime import date
    from decimal import Decimal

    from contracts import services
    from contracts.models import Contract, ContractCommentary, RegisterCycle

    services.ensure_register_settings()
    contract = Contract.objects.create(
        council_id="M0001",
        title="Fostering framework",
        supplier="Matrix Care Ltd",
        portfolio=council["portfolios"]["CEF"],
        owner=people[Role.OFFICER],
        approver=people[Role.APPROVER],
        total_value=Decimal("250000.00"),
        original_annual_value=Decimal("50000.00"),
        start_date=date(2022, 4, 1),
        end_date=date(2027, 3, 31),
        months_duration=60,
    )
    ContractCommentary.objects.create(
        contract=contract, owner_comment="Re-tendering next spring.", owner_version=1
    )
    services.refresh_contract(contract)
    cycle = RegisterCycle.objects.create(name="September 2026", as_at=date(2026, 8, 31))
    services.freeze_cycle(cycle)
    council.update(contract=contract, register_cycle=cycle)


@council_part("contract notices")
def contract_notices_part(council, people):
    """A CEF contract that has ended, whose end date was changed once and whose KPI was assessed, so
    each of the Procurement Act notices has something to say about it (contracts.notices)."""
    from datetime import date
    from decimal import Decimal

    from contracts.models import Contract, ContractKPI, KPIAssessment
    from contracts.procurement_act import KPIRating

    ended = Contract.objects.create(
        council_id="M0002",
        title="Home care framework",
        supplier="Matrix Home Care Ltd",
        portfolio=council["portfolios"]["CEF"],
        owner=people[Role.OFFICER],
        approver=people[Role.APPROVER],
        total_value=Decimal("6000000.00"),
        original_annual_value=Decimal("2000000.00"),
        start_date=date(2025, 3, 1),
        end_date=date(2026, 2, 28),
        months_duration=12,
    )
    ended.end_date, ended.months_duration = date(2026, 5, 31), 15
    ended.save()
    kpi = ContractKPI.objects.create(
        contract=ended, name="Visits on time", target="95%", set_on=date(2025, 3, 1)
    )
    KPIAssessment.objects.create(kpi=kpi, rating=KPIRating.GOOD, assessed_on=date(2026, 3, 1))
    council["ended_contract"] = ended
    # Worth more than £2m and ending in six months: the pipeline notice's planned procurement.
    from datetime import timedelta

    from contracts import services

    today = timezone.localdate()
    ending = Contract.objects.create(
        council_id="M0003",
        title="Residential care placements",
        supplier="Matrix Residential Ltd",
        portfolio=council["portfolios"]["CEF"],
        owner=people[Role.OFFICER],
        approver=people[Role.APPROVER],
        total_value=Decimal("3000000.00"),
        original_annual_value=Decimal("1000000.00"),
        start_date=today - timedelta(days=900),
        end_date=today + timedelta(days=180),
        months_duration=36,
    )
    services.refresh_contract(ending)
    council["pipeline_contract"] = ending


# Complaints -----------------------------------------------------------------------------------


@council_part("complaints")
def complaints_part(council, people):
    """The report's divisions; a Code complaint about Housing handled by the complaints officer and
    acknowledged, with a complainant; an answered and closed one about Environment & Public Protection
    (outcome not known); an Ombudsman case, a remedy and a compliment."""
    from datetime import date
    from decimal import Decimal

    from complaints import services
    from complaints.models import Compliment, Division, OmbudsmanCase, Remedy
    from complaints.services import MentionInput

    officer = people[Role.COMPLAINTS_OFFICER]
    services.load_divisions()
    housing = Division.objects.get(name="Housing")
    epp = Division.objects.get(name="Environment & Public Protection")
    today = date(2026, 11, 30)
    complaint = services.log_complaint(
        officer,
        received=date(2026, 11, 2),
        channel="website",
        mentions=[MentionInput(housing, None, ["lack_of_action", "information"])],
        complainant={"name": "Matrix Complainant", "email": "complainant@example.invalid"},
        summary="Matrix complainant's repairs were not done.",
        today=today,
    )
    services.assign(officer, complaint, officer)
    services.acknowledge(officer, complaint, on=date(2026, 11, 3), today=today)
    closed = services.log_complaint(
        officer,
        received=date(2026, 9, 1),
        channel="email",
        mentions=[
            MentionInput(epp, epp.services.get(name="Neighbourhood Management"), ["quality_of_service"])
        ],
        today=today,
    )
    services.acknowledge(officer, closed, on=date(2026, 9, 2), today=today)
    [aspect] = closed.mentions.get().aspects.all()
    services.record_response(
        officer, aspect, outcome="not_known", responded_on=date(2026, 9, 10), today=today
    )
    closed = services.close(officer, closed, on=date(2026, 9, 11), today=today)
    case = OmbudsmanCase.objects.create(
        reference="26 001 234", complaint=closed, division=epp, received=date(2026, 10, 1)
    )
    Remedy.objects.create(
        division=housing, stage="stage_1", type="time_and_trouble", amount=Decimal("150.00"), agreed=today
    )
    Compliment.objects.create(
        received=date(2026, 10, 5), division=housing, channel="email", quote="N was a great help."
    )
    council.update(complaint=complaint, closed_complaint=closed, ombudsman_case=case)


# The complaints officers' pages ---------------------------------------------------------------


@council_part("complaint pages")
def complaint_pages_part(council, people):
    """For the case work actions: a complaint just received and not assigned (to acknowledge and
    assign), an answered one under the children's statutory procedure (to close, or escalate to its
    stage 2), and one acknowledged today (to extend)."""
    from datetime import date

    from django.utils import timezone

    from complaints import services
    from complaints.models import Division, Service
    from complaints.services import MentionInput

    officer = people[Role.COMPLAINTS_OFFICER]
    today = date(2026, 11, 30)
    housing = Division.objects.get(name="Housing")
    children = Division.objects.get(name="Children's Social Care")
    in_care = Service.objects.create(division=children, name="Matrix child in care", procedure="children")
    received = services.log_complaint(
        officer,
        received=date(2026, 11, 25),
        channel="letter",
        mentions=[MentionInput(housing, None, ["service_delay"])],
        today=today,
    )
    answered = services.log_complaint(
        officer,
        received=date(2026, 11, 2),
        channel="telephone",
        mentions=[MentionInput(children, in_care, ["disputed_decision"])],
        complainant={"name": "Matrix Parent"},
        today=today,
    )
    services.acknowledge(officer, answered, on=date(2026, 11, 3), today=today)
    [aspect] = answered.mentions.get().aspects.all()
    services.record_response(
        officer, aspect, outcome="not_upheld", responded_on=date(2026, 11, 12), today=today
    )
    # Received today and acknowledged: its response falls due later, so it can still be extended.
    now = timezone.localdate()
    due_later = services.log_complaint(
        officer, received=now, channel="email", mentions=[MentionInput(housing, None, ["information"])]
    )
    services.acknowledge(officer, due_later, on=now)
    council.update(
        received_complaint=received, answered_complaint=answered, case_handler=officer, due_later=due_later
    )


# Meetings -------------------------------------------------------------------------------------


@council_part("meetings")
def meetings_part(council, people):
    """The CEF PDS of 17 November 2022 with a Part 1 and a Part 2 item, each with an uploaded paper; its
    pack built twice: version 1 published, version 2 (of the same agenda) ready to publish."""
    from meetings import packs, services
    from meetings.choices import Part
    from tests.meeting_factories import make_meeting, make_paper, upload

    clerk = people[Role.CLERK]
    meeting = make_meeting()
    public = services.add_item(clerk, meeting, number="4", title="Placement sufficiency strategy")
    services.upload_paper(clerk, public, upload(make_paper("Placement sufficiency", 1)))
    exempt = services.add_item(
        clerk, meeting, number="10", title="Matrix exempt contract", part=Part.PART_2, exempt_paragraph=3
    )
    services.upload_paper(clerk, exempt, upload(make_paper("Matrix exempt contract", 1)))
    published = services.request_pack(clerk, meeting)
    packs.run_pack(published.pk)
    services.publish_pack(clerk, published)
    ready = services.request_pack(clerk, meeting)
    packs.run_pack(ready.pk)
    council.update(meeting=meeting, agenda_item=public, published_pack=published, ready_pack=ready)


@council_part("public meeting")
def public_meeting_part(council, people):
    """A second published meeting whose Part 1 item's paper is a portal report with its web version,
    for the public committee pages (meetings.public_views)."""
    import datetime

    from meetings import packs, services
    from meetings.models import AgendaItem
    from tests.meeting_factories import make_meeting, make_paper

    clerk = people[Role.CLERK]
    meeting = make_meeting(when=timezone.make_aware(datetime.datetime(2022, 9, 20, 19, 0)))
    item = services.add_item(clerk, meeting, number="5", title="Matrix public report")
    job = ReportJob(
        report_type="plan_progress",
        title="Matrix public report",
        dedupe_key="matrix-public-report",
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        page_count=1,
    )
    job.file.save("matrix-public.pdf", ContentFile(make_paper("Matrix public report", 1)), save=False)
    job.html_file.save("matrix-public.html", ContentFile(b"<p>Matrix public report</p>"), save=False)
    job.save()
    AgendaItem.objects.filter(pk=item.pk).update(report=job)
    meeting.refresh_from_db()  # its date as the database gives it back, as the pages load it
    pack = services.request_pack(clerk, meeting)
    packs.run_pack(pack.pk)
    services.publish_pack(clerk, pack)
    council.update(public_meeting=meeting, public_report_item=item, public_pack=pack)


@council_part("scrutiny actions")
def scrutiny_actions_part(council, people):
    """An action from the matrix meeting for a post the matrix's officer holds; the matrix's member sits
    on the meeting's committee (members of other committees, and other roles, are refused)."""
    import datetime

    from meetings import actions
    from meetings.models import CommitteeMembership

    meeting = council["meeting"]
    post = Post.objects.create(title="Matrix head of early help")
    post.holders.add(people[Role.OFFICER])
    CommitteeMembership.objects.create(committee=meeting.committee, member=people[Role.MEMBER])
    council["scrutiny_action"] = actions.record_action(
        people[Role.CLERK],
        meeting,
        agenda_item=council["agenda_item"],
        request="Report back on early help waiting times.",
        post=post,
        due_on=datetime.date(2023, 1, 31),
    )


# The annual complaints report's words (complaints/report_views.py) -------------------------------------


@council_part("complaint report text")
def complaint_report_text_part(council, people):
    """A division whose chapter opening the complaints team writes, and a paragraph already kept for
    2021-22's overview (the pages show and change it)."""
    from bromley_portal.core.financial_year import FinancialYear
    from complaints import report_text
    from complaints.models import Division
    from complaints.services import load_divisions

    load_divisions()
    report_text.save_narrative(
        people[Role.ADMIN], FinancialYear(2021), "complaints_received", "Complaints rose by 16% this year."
    )
    council.update(report_division=Division.objects.order_by("order", "name").first())
