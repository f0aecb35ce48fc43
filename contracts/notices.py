"""The Procurement Act 2023's notices, prepared from the register as OCDS releases in the UK central
digital platform's format, for the procurement team to check and publish (issue 12, item 10).

Each notice is one release (the pipeline notice one per planned procurement) in a release package,
built on the contract's release in contracts.ocds (the same parties, values and periods) and checked
against the OCDS 1.1.5 package schema before it is served (``ocds.validate_package``). Following the UK
profile of OCDS that Find a Tender and the central digital platform publish, the notice type is a
document of the stage it belongs to, with ``noticeType`` set to the platform's code:

====== =============================== ====================== =========================================
code   notice                          release tag            what the register gives it
====== =============================== ====================== =========================================
UK1    pipeline notice                 planning               contracts.kpis.pipeline: contracts of more
                                                              than £2m approaching their end inside the
                                                              notice's 18-month window (one release each,
                                                              a new ocid for the successor procurement)
UK7    contract details notice         contract               the contract, its supplier, value and
                                                              period, and its KPIs (``agreedMetrics``)
UK9    contract performance notice     implementation         each KPI's latest KPIAssessment, rated with
                                                              the Act's ratings (``implementation.metrics``)
UK10   contract change notice          contractAmendment      each recorded change of a published field
                                                              (title, supplier, value, dates, term)
UK11   contract termination notice     contractTermination    a contract that has ended
====== =============================== ====================== =========================================

KPIs are written in the layout of the OCDS metrics extension (a metric with its observations); the
register holds no CPV codes, procedure or supplier identifiers, so those fields are absent and the
procurement team adds them on the platform. Thresholds and dates come from contracts.procurement_act.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from contracts import kpis, ocds
from contracts import procurement_act as act
from contracts.models import Contract, ContractKPI, KPIAssessment


@dataclass(frozen=True)
class NoticeType:
    code: str  # the UK profile's notice type
    slug: str
    title: str
    tag: str  # OCDS releaseTag
    document_type: str  # OCDS documentType


DETAILS = NoticeType("UK7", "details", "Contract details notice", "contract", "contractNotice")
PERFORMANCE = NoticeType(
    "UK9", "performance", "Contract performance notice", "implementation", "physicalProgressReport"
)
CHANGE = NoticeType("UK10", "change", "Contract change notice", "contractAmendment", "contractNotice")
TERMINATION = NoticeType(
    "UK11", "termination", "Contract termination notice", "contractTermination", "contractNotice"
)
PIPELINE = NoticeType("UK1", "pipeline", "Pipeline notice", "planning", "plannedProcurementNotice")
CONTRACT_NOTICES = {notice.slug: notice for notice in (DETAILS, PERFORMANCE, CHANGE, TERMINATION)}

# The published fields whose change a contract change notice reports, with their names.
CHANGE_FIELDS = {
    "title": "Title",
    "supplier": "Supplier",
    "total_value": "Total contract value",
    "start_date": "Start date",
    "end_date": "End date",
    "months_duration": "Term in months",
}


class NoticeUnavailable(Exception):
    """The register has nothing for this notice yet (the message says what is missing)."""


def notice_document(notice: NoticeType, reference: str) -> dict:
    return {
        "id": f"{reference}-{notice.code}",
        "documentType": notice.document_type,
        "noticeType": notice.code,
        "title": notice.title,
        "language": "en",
    }


def _row(contract: Contract) -> dict:
    return (
        Contract.objects.filter(pk=contract.pk)
        .annotate(changed_at=ocds.last_change())
        .values(*ocds.PART_1_FIELDS, "changed_at")
        .get()
    )


def _kpis(contract: Contract) -> list[ContractKPI]:
    """The contract's KPIs with their assessments newest first (two queries)."""
    newest_first = KPIAssessment.objects.order_by("-assessed_on")
    return list(
        contract.kpis.order_by("set_on", "pk").prefetch_related(
            Prefetch("assessments", newest_first, to_attr="newest_first")
        )
    )


def _metric(kpi: ContractKPI, observations: list[KPIAssessment]) -> dict:
    metric = {"id": f"kpi-{kpi.pk}", "title": kpi.name}
    if kpi.target:
        metric["description"] = kpi.target
    if observations:
        metric["observations"] = [
            {
                "id": f"kpi-{kpi.pk}-{assessment.assessed_on:%Y%m%d}",
                "measure": assessment.rated.label,
                "period": {"endDate": ocds.stamp(ocds.moment(assessment.assessed_on, end_of_day=True))},
                **({"notes": assessment.note} if assessment.note else {}),
            }
            for assessment in observations
        ]
    return metric


def _money_text(value) -> str:
    return f"£{value:,.2f}"


def _field_text(name: str, value) -> str:
    if value is None:
        return "none"
    if name == "total_value":
        return _money_text(value)
    if isinstance(value, date):
        return f"{value:%d %B %Y}".lstrip("0")
    return str(value)


def changes(contract: Contract) -> list[dict]:
    """Each recorded change of a published field, oldest first, as an OCDS amendment (one query)."""
    records = (
        Contract.history.filter(id=contract.pk)
        .order_by("history_date", "history_id")
        .values(*CHANGE_FIELDS, "history_date", "history_type", "history_change_reason")
    )
    amendments, previous = [], None
    for record in records:
        if previous is not None and record["history_type"] == "~":
            said = [
                f"{label}: {_field_text(name, previous[name])} to {_field_text(name, record[name])}"
                for name, label in CHANGE_FIELDS.items()
                if previous[name] != record[name]
            ]
            if said:
                amendments.append(
                    {
                        "id": f"{contract.council_id}-change-{len(amendments) + 1}",
                        "date": ocds.stamp(record["history_date"]),
                        "rationale": record["history_change_reason"]
                        or "Recorded in the council's contract register.",
                        "description": "; ".join(said) + ".",
                    }
                )
        previous = record
    return amendments


def contract_notice(notice: NoticeType, contract: Contract, today: date) -> dict:
    """The release of ``notice`` for ``contract`` as the register has it on ``today``; NoticeUnavailable
    when there is nothing to report (no assessment, no change, not ended)."""
    row = _row(contract)
    body = ocds.release_body(row, today)
    body["tag"] = [notice.tag]
    document = notice_document(notice, row["council_id"])
    contract_part = body["contracts"][0]
    when = ocds.release_date(row["start_date"], row["end_date"], today, row["changed_at"])
    if notice is DETAILS:
        if agreed := [_metric(kpi, []) for kpi in _kpis(contract)]:
            contract_part["agreedMetrics"] = agreed
        contract_part["documents"] = [document]
    elif notice is PERFORMANCE:
        assessed = [(kpi, kpi.newest_first[0]) for kpi in _kpis(contract) if kpi.newest_first]
        if not assessed:
            raise NoticeUnavailable(
                f"Contract {row['council_id']} has no KPI assessment yet: assess its KPIs first."
            )
        contract_part["implementation"] = {
            "metrics": [_metric(kpi, [latest]) for kpi, latest in assessed],
            "documents": [document],
        }
        when = max(when, ocds.moment(max(latest.assessed_on for _, latest in assessed), end_of_day=True))
    elif notice is CHANGE:
        amendments = changes(contract)
        if not amendments:
            raise NoticeUnavailable(
                f"No change to contract {row['council_id']}'s published details is recorded."
            )
        contract_part["amendments"] = amendments
        contract_part["documents"] = [document]
    elif notice is TERMINATION:
        if row["end_date"] >= today:
            raise NoticeUnavailable(
                f"Contract {row['council_id']} has not ended: it ends on {_field_text('end_date', row['end_date'])}."
            )
        contract_part["description"] = (
            f"The contract ended on {_field_text('end_date', row['end_date'])}, its approved end date."
        )
        contract_part["documents"] = [document]
    return ocds.finish(body, when)


def pipeline_release(contract: Contract, changed_at: datetime | None) -> dict:
    """A planned procurement to replace a contract approaching its end: a new contracting process (its
    own ocid), its estimated value the current contract's total value, starting the day after it ends."""
    council_id = contract.council_id
    successor = f"{council_id}-R{contract.end_date:%Y%m%d}"
    body = {
        "ocid": ocds.ocid(successor),
        "tag": [PIPELINE.tag],
        "initiationType": "tender",
        "language": "en",
        "parties": [ocds.BUYER_PARTY],
        "buyer": ocds.BUYER,
        "planning": {
            "rationale": (
                f"To replace contract {council_id} ({contract.title}), which ends on "
                f"{_field_text('end_date', contract.end_date)}."
            ),
            "documents": [notice_document(PIPELINE, successor)],
        },
        "tender": {
            "id": successor,
            "title": contract.title,
            "status": "planned",
            "value": ocds.money(contract.total_value),
            "contractPeriod": {"startDate": ocds.stamp(ocds.moment(contract.end_date + timedelta(days=1)))},
        },
        "relatedProcesses": [
            {
                "id": "1",
                "relationship": ["prior"],
                "title": contract.title,
                "scheme": "ocid",
                "identifier": ocds.ocid(council_id),
            }
        ],
    }
    flagged = (
        ocds.moment(contract.flagged_from) if contract.flagged_from else ocds.moment(contract.start_date)
    )
    return ocds.finish(body, max(filter(None, [flagged, changed_at])))


def pipeline_releases(today: date) -> list[dict]:
    """The pipeline notice's releases: the one rule in contracts.kpis.pipeline (one query)."""
    planned = kpis.pipeline(today).annotate(changed_at=ocds.last_change())
    return [pipeline_release(contract, contract.changed_at) for contract in planned]


@dataclass
class PreparedNotice:
    filename: str
    text: str  # the validated package as JSON


def _prepared(uri: str, releases: list[dict], filename: str) -> PreparedNotice:
    data = ocds.validate_package(ocds.package(uri, timezone.now(), releases))
    return PreparedNotice(filename, ocds.dumps(data))


def prepare_contract_notice(notice: NoticeType, contract: Contract, uri: str, today: date) -> PreparedNotice:
    each = contract_notice(notice, contract, today)
    return _prepared(uri, [each], f"{contract.council_id}-{notice.code}-{notice.slug}-notice.json")


def prepare_pipeline_notice(uri: str, today: date) -> PreparedNotice:
    first_day, last_day = act.pipeline_window(today)
    releases = pipeline_releases(today)
    if not releases:
        raise NoticeUnavailable(
            f"no contract of more than £{act.PIPELINE_CONTRACT_THRESHOLD:,.0f} approaching its end ends "
            f"between {_field_text('end_date', first_day)} and {_field_text('end_date', last_day)}."
        )
    return _prepared(uri, releases, f"{PIPELINE.code}-pipeline-notice-{first_day:%Y}.json")
