"""Open contracting data from the register: OCDS 1.1.5 release packages and the Local Government
Transparency Code 2015's contracts CSV, built here and nowhere else (issue 12, item 7; the Procurement
Act notices in contracts.notices are releases built by :func:`release`).

Part 1 only. A release is built from ``PART_1_FIELDS`` of a contract (or of a frozen register entry) and
nothing else: the rows are read with ``.values(*PART_1_FIELDS)``, so commentary, ratings and risk never
leave the database on this path.

A release:

- ``ocid``: ``settings.OCDS_OCID_PREFIX`` and the council's contract ID, so it is the same for the
  contracting process for ever;
- ``id``: the ocid and a digest of the release's content, so it changes exactly when what it says changes;
- ``date``: when the contract was last changed (its newest history record), or when its status last
  changed by the calendar (it started, or it ended), whichever is later; a contract with no history (a
  bulk load) counts from its start. A frozen cycle's release is dated when the cycle was frozen;
- ``parties`` (the London Borough of Bromley as buyer and procuring entity; the supplier), ``buyer``,
  ``tender``, ``awards`` and ``contracts`` with the total value in GBP and the contract period.

Amounts are ``Decimal`` and are written exactly as the database holds them (``250000.00``), by
:func:`dumps`, which refuses a float.

A package is streamed (:func:`stream_package`): its head, then each release as the rows come from a
server-side cursor (``.iterator(chunk_size=CHUNK_SIZE)``), then its tail, so the memory it takes does
not grow with the register. Each feed has a fingerprint read in one query before the body (the number of
rows and the newest change), which is its ETag and Last-Modified: the views answer a conditional GET
with 304 without building the body.
"""

import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from json.encoder import encode_basestring
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils.text import slugify

from bromley_portal.core.exports import neutralise_formula
from contracts.models import Contract, RegisterEntry

# Bump when the shape of what is built here changes, so every ETag changes with it.
BUILD = "1"

OCDS_VERSION = "1.1"
SCHEMA_DIR = Path(__file__).resolve().parent / "standards" / "ocds-1.1.5"
PACKAGE_SCHEMA = "release-package-schema.json"
RELEASE_SCHEMA = "release-schema.json"
CURRENCY = "GBP"
LONDON = ZoneInfo("Europe/London")
CHUNK_SIZE = 200  # rows fetched from the server-side cursor at a time
FLUSH_CHARACTERS = 64 * 1024  # the streamed body is written in pieces of about this size

BUYER_NAME = "London Borough of Bromley"
# org-id.guide's Local Authorities (England) register (GB-LAE) gives Bromley the code BRY.
BUYER_SCHEME, BUYER_CODE = "GB-LAE", "BRY"
BUYER_ID = f"{BUYER_SCHEME}-{BUYER_CODE}"
BUYER = {"id": BUYER_ID, "name": BUYER_NAME}
BUYER_PARTY = {
    "id": BUYER_ID,
    "name": BUYER_NAME,
    "identifier": {"scheme": BUYER_SCHEME, "id": BUYER_CODE, "legalName": BUYER_NAME},
    "address": {"locality": "Bromley", "countryName": "United Kingdom"},
    "roles": ["buyer", "procuringEntity"],
}
LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

# What a release reads of a contract or a frozen entry: the register's Part 1 fields, nothing else.
PART_1_FIELDS = (
    "council_id",
    "title",
    "supplier",
    "total_value",
    "start_date",
    "end_date",
    "months_duration",
)


class FloatNotAllowed(TypeError):
    """Money is Decimal: a float would publish an amount that is not the one in the register."""


class InvalidPackage(ValueError):
    """What was built is not a valid OCDS 1.1.5 release package (a bug: it is never served)."""


# JSON, exactly ---------------------------------------------------------------------------------


def _encode(value, out: list) -> None:
    """Append ``value``'s JSON to ``out``: strings by the json module's C escaping, Decimal exactly."""
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in value.items():
            out.append(
                encode_basestring(str(key)) + ":" if first else "," + encode_basestring(str(key)) + ":"
            )
            first = False
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for number, item in enumerate(value):
            if number:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not an amount")
        out.append(format(value, "f"))
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, float):
        raise FloatNotAllowed(f"{value!r}: amounts are Decimal, never float")
    else:
        raise TypeError(f"{type(value).__name__} is not published as JSON")


def dumps(value) -> str:
    """``value`` as JSON, with each Decimal written exactly as it is (``1234.50`` stays ``1234.50``)."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def loads(text: str | bytes):
    """JSON back, with every number that has a fraction or exponent as a Decimal (the tests read with it)."""
    return json.loads(text, parse_float=Decimal)


# Releases ------------------------------------------------------------------------------------


def ocid(council_id: str) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{council_id}"


def money(amount: Decimal) -> dict:
    if isinstance(amount, float):
        raise FloatNotAllowed(f"{amount!r}: amounts are Decimal, never float")
    return {"amount": amount, "currency": CURRENCY}


def moment(day: date, end_of_day: bool = False) -> datetime:
    return datetime.combine(day, time(23, 59, 59) if end_of_day else time.min, tzinfo=LONDON)


def stamp(when: datetime) -> str:
    """An OCDS date-time: ISO 8601 (RFC 3339) with its offset, in London time."""
    return when.astimezone(LONDON).isoformat()


def period(start: date, end: date) -> dict:
    return {
        "startDate": stamp(moment(start)),
        "endDate": stamp(moment(end, end_of_day=True)),
        "durationInDays": (end - start).days + 1,
    }


def contract_status(start: date, end: date, as_at: date) -> str:
    """The contract's OCDS status on ``as_at`` (contractStatus codelist)."""
    if as_at < start:
        return "pending"
    return "terminated" if as_at > end else "active"


def release_date(start: date, end: date, as_at: date, changed_at: datetime | None) -> datetime:
    """The later of the last change to the contract and the last change of its status by the calendar
    (it started; it ended). A contract not started with no recorded change counts from its start."""
    status = contract_status(start, end, as_at)
    by_calendar = {"active": moment(start), "terminated": moment(end + timedelta(days=1))}.get(status)
    known = [when for when in (by_calendar, changed_at) if when is not None]
    return max(known) if known else moment(start)


def supplier_party(name: str) -> dict:
    """The supplier as a party. The register holds its name only (no company number), so its id is
    local to the portal: ``supplier-`` and the name made into a slug."""
    slug = slugify(name)[:80] or hashlib.sha256(name.encode()).hexdigest()[:16]
    return {"id": f"supplier-{slug}", "name": name, "roles": ["supplier"]}


def finish(body: dict, when: datetime) -> dict:
    """A release from its content: its id is the ocid and a digest of the content and date."""
    content = {"date": stamp(when), **body}
    digest = hashlib.sha256(dumps(content).encode()).hexdigest()[:16]
    return {"ocid": body["ocid"], "id": f"{body['ocid']}-{digest}", **content}


def release_body(row: dict, as_at: date) -> dict:
    """What the release of one contract (a row of ``PART_1_FIELDS``) says as it stands on ``as_at``: its
    parties and its tender, award and contract stages (no id or date yet: :func:`finish` adds them)."""
    council_id, title = row["council_id"], row["title"]
    value = money(row["total_value"])
    term = period(row["start_date"], row["end_date"])
    supplier = supplier_party(row["supplier"])
    supplier_ref = {"id": supplier["id"], "name": supplier["name"]}
    award_id = f"{council_id}-award"
    body = {
        "ocid": ocid(council_id),
        "tag": ["tender", "award", "contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": [BUYER_PARTY, supplier],
        "buyer": BUYER,
        "tender": {
            "id": f"{council_id}-tender",
            "title": title,
            "status": "complete",
            "procuringEntity": BUYER,
            "value": value,
            "contractPeriod": term,
        },
        "awards": [
            {
                "id": award_id,
                "title": title,
                "status": "active",
                "value": value,
                "suppliers": [supplier_ref],
                "contractPeriod": term,
            }
        ],
        "contracts": [
            {
                "id": council_id,
                "awardID": award_id,
                "title": title,
                "status": contract_status(row["start_date"], row["end_date"], as_at),
                "value": value,
                "period": term,
            }
        ],
    }
    return body


def release(row: dict, as_at: date, changed_at: datetime | None) -> dict:
    """The release of one contract as it stands on ``as_at``, last changed at ``changed_at``."""
    when = release_date(row["start_date"], row["end_date"], as_at, changed_at)
    return finish(release_body(row, as_at), when)


# Packages ------------------------------------------------------------------------------------


def package_head(uri: str, published: datetime) -> dict:
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": stamp(published),
        "publisher": {"name": BUYER_NAME, "scheme": BUYER_SCHEME, "uid": BUYER_CODE},
        "license": LICENCE,
        "publicationPolicy": f"{settings.PORTAL_BASE_URL}/accessibility/",
    }


def package(uri: str, published: datetime, releases: list[dict]) -> dict:
    return {**package_head(uri, published), "releases": releases}


def stream_package(uri: str, published: datetime, releases: Iterable[dict]) -> Iterator[str]:
    """The package as text, piece by piece: the head, each release as it comes, the tail."""
    head = dumps(package_head(uri, published))
    buffer = [head[:-1] + ',"releases":[']
    size = 0
    for number, each in enumerate(releases):
        text = ("," if number else "") + dumps(each)
        buffer.append(text)
        size += len(text)
        if size >= FLUSH_CHARACTERS:
            yield "".join(buffer)
            buffer, size = [], 0
    buffer.append("]}")
    yield "".join(buffer)


@cache
def _validator():
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    package_schema = json.loads((SCHEMA_DIR / PACKAGE_SCHEMA).read_text(encoding="utf-8"))
    release_schema = json.loads((SCHEMA_DIR / RELEASE_SCHEMA).read_text(encoding="utf-8"))
    registry = Registry().with_resource(
        release_schema["id"], Resource.from_contents(release_schema, default_specification=DRAFT4)
    )
    return Draft4Validator(package_schema, registry=registry)


def schema_errors(data: dict) -> list[str]:
    """What is wrong with ``data`` as an OCDS 1.1.5 release package, each with where it is."""
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(package)'}: {error.message}"
        for error in _validator().iter_errors(data)
    ]


def validate_package(data: dict) -> dict:
    """``data`` if it is a valid release package; else InvalidPackage naming the first problems."""
    if errors := schema_errors(data):
        raise InvalidPackage("; ".join(errors[:5]))
    return data


# Feeds ---------------------------------------------------------------------------------------


@dataclass
class Feed:
    """A feed ready to serve: its validators (read before the body) and a function making its body."""

    etag: str
    last_modified: datetime | None
    body: Callable[[], Iterator[str]]


def _fingerprint(*parts) -> str:
    text = "|".join(
        str(part) for part in (BUILD, settings.OCDS_OCID_PREFIX, settings.PORTAL_BASE_URL, *parts)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def last_change():
    """The newest history record of the contract (its last recorded change), per row."""
    history = Contract.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date")
    return Subquery(history.values("history_date")[:1])


def live_register(as_at: date):
    """The contracts a live register as at ``as_at`` lists (the register's own rule)."""
    return Contract.objects.in_register(as_at)


def _newest(history) -> datetime | None:
    """The newest history record's date among ``history`` (history_date is indexed): one query."""
    return history.order_by("-history_date").values_list("history_date", flat=True).first()


def _contract_fingerprint(contracts, as_at: date, *parts) -> tuple[str, datetime | None]:
    """(ETag, the newest change) of a set of contracts, in two queries: their number, and the newest
    record of the contracts' history (a removal is recorded too)."""
    last = _newest(Contract.history.model.objects.all())
    return _fingerprint(as_at, contracts.count(), last, *parts), last


def register_feed(as_at: date, uri: str) -> Feed:
    """The live register as one release package, streamed."""
    contracts = live_register(as_at)
    etag, last = _contract_fingerprint(contracts, as_at, "register")

    def rows():
        query = (
            contracts.annotate(changed_at=last_change())
            .order_by("council_id")
            .values(*PART_1_FIELDS, "changed_at")
        )
        for row in query.iterator(chunk_size=CHUNK_SIZE):
            yield release(row, as_at, row["changed_at"])

    return Feed(etag, last, lambda: stream_package(uri, last or moment(as_at), rows()))


def contract_feed(contract: Contract, as_at: date, uri: str) -> Feed:
    """One contract's release package (whether or not the register lists it)."""
    row = (
        Contract.objects.filter(pk=contract.pk)
        .annotate(changed_at=last_change())
        .values(*PART_1_FIELDS, "changed_at")
        .get()
    )
    each = release(row, as_at, row["changed_at"])
    published = datetime.fromisoformat(each["date"])
    return Feed(
        _fingerprint(each["id"], each["date"]), published, lambda: stream_package(uri, published, [each])
    )


def cycle_feed(cycle, portfolio, uri: str) -> Feed:
    """A portfolio's register in a frozen cycle, as it stood: each entry's release as at the cycle's
    date, dated when the cycle was frozen."""
    entries = RegisterEntry.objects.filter(cycle=cycle, portfolio=portfolio)
    history = RegisterEntry.history.model.objects.filter(cycle_id=cycle.pk, portfolio_id=portfolio.pk)
    last = max(filter(None, [cycle.frozen_at, _newest(history)]))
    etag = _fingerprint("cycle", cycle.pk, cycle.as_at, portfolio.pk, entries.count(), last)

    def rows():
        query = entries.order_by("council_id").values(*PART_1_FIELDS)
        for row in query.iterator(chunk_size=CHUNK_SIZE):
            yield release(row, cycle.as_at, cycle.frozen_at)

    return Feed(etag, last, lambda: stream_package(uri, last, rows()))


# The Local Government Transparency Code 2015: contracts ---------------------------------------

# Paragraph 27 of the Code (contracts with a value that exceeds £5,000): its ten items in its order,
# items 5, 6, 8 and 10 each in the columns they name. A column the register does not hold is blank
# (README.md, "Open data", says which and why).
TRANSPARENCY_CODE_THRESHOLD = Decimal("5000")
TRANSPARENCY_CODE_COLUMNS = [
    "Reference number",
    "Title of agreement",
    "Local authority department responsible",
    "Description of the goods and/or services being provided",
    "Supplier name",
    "Supplier details",
    "Sum to be paid over the length of the contract",
    "Estimated annual spending",
    "Value Added Tax that cannot be recovered",
    "Start date",
    "End date",
    "Review date",
    "Invitation to quote or published invitation to tender",
    "Small or medium sized enterprise",
    "Voluntary or community sector organisation",
    "Registration number",
]


def transparency_code_contracts(as_at: date):
    """The contracts the Code's list has on ``as_at``: more than £5,000, not ended."""
    return Contract.objects.filter(total_value__gt=TRANSPARENCY_CODE_THRESHOLD, end_date__gte=as_at)


def transparency_code_row(row: dict) -> list:
    annual = (
        row["current_annual_value"]
        if row["current_annual_value"] is not None
        else row["original_annual_value"]
    )
    return [
        row["council_id"],
        row["title"],
        row["portfolio__name"],
        "",
        row["supplier"],
        "",
        format(row["total_value"], "f"),
        format(annual, "f"),
        "",
        row["start_date"].isoformat(),
        row["end_date"].isoformat(),
        "",
        "",
        "",
        "",
        "",
    ]


class _Echo:
    def write(self, value):
        return value


def transparency_code_feed(as_at: date) -> Feed:
    """The Code's contracts list as CSV, streamed, text cells made safe for a spreadsheet."""
    contracts = transparency_code_contracts(as_at)
    etag, last = _contract_fingerprint(contracts, as_at, "transparency-code")
    fields = (
        "council_id",
        "title",
        "portfolio__name",
        "supplier",
        "total_value",
        "original_annual_value",
        "current_annual_value",
        "start_date",
        "end_date",
    )

    def body():
        writer = csv.writer(_Echo())
        buffer, size = [writer.writerow(TRANSPARENCY_CODE_COLUMNS)], 0
        query = contracts.order_by("council_id").values(*fields)
        for row in query.iterator(chunk_size=CHUNK_SIZE):
            line = writer.writerow([neutralise_formula(cell) for cell in transparency_code_row(row)])
            buffer.append(line)
            size += len(line)
            if size >= FLUSH_CHARACTERS:
                yield "".join(buffer)
                buffer, size = [], 0
        yield "".join(buffer)

    return Feed(etag, last, body)
