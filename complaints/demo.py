"""The complaints demo data (issue 13, item 6): the published figures of the years before the portal, a
generated 2021/22 case list whose totals reproduce the Annual Complaints Report 2021/22's published tables
through complaints.selectors, and a few open cases in the current year.

Everything is generated from ``fixtures/data/complaints_*.json`` (built from seed 004 by
fixtures/build_complaints_data.py), deterministically (no randomness: the same cases every time), and
written with ``bulk_create`` so it loads in seconds. Where the report's tables disagree the choices are the
README's ("Complaints: the published figures"); the few the demo adds itself are ``DEMO_CHOICES`` below.
Loading is safe to run again: a year already there is left alone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ambitions.services import SEED_DATA
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.working_days import WorkingCalendar
from complaints import counts, timescales
from complaints.choices import AspectOutcome, AspectType, ComplaintStatus, OmbudsmanDecision, Procedure
from complaints.models import (
    Aspect,
    Complaint,
    Compliment,
    Division,
    Mention,
    OmbudsmanCase,
    OmbudsmanDeadline,
    Remedy,
    Service,
)
from complaints.published import OmbudsmanReviewLetter, PublishedFigure
from complaints.services import next_reference

DATA = SEED_DATA  # fixtures/data, found once where every loader finds it
REPORT_FILE = "complaints_report_2021_22.json"
CHAPTERS_FILE = "complaints_chapters_2021_22.json"
PUBLISHED_FILE = "complaints_published_years.json"
DEMO_YEAR = FinancialYear(2021)

DEMO_CHOICES = [
    "Adult Social Care's services table prints one row with 0 mentions and 1 aspect; an aspect belongs to a "
    "mention, so that row has 1 mention here (57 mentions, where the table prints 56).",
    "The aspect-type rates need 131 aspects fully upheld, the chapters' shares 128: the three more are the "
    "Chief Executive's Department's (32 fully and 17 partially upheld of 102: 31% and 17%, where its chapter "
    "prints 28% and 20%); its 49 upheld or partially, the council's 196, stay as printed.",
    "CED's 56% of 80 complaints on time leaves 35 complaints late, which need 35 late aspects: its chapter's "
    "68% of aspects on time (69 of 102) leaves 33. The demo keeps the 56% and has 67 aspects on time (66%).",
    "Environment & Public Protection's 98% on time is kept (476 of 485): Neighbourhood Management has 436 of "
    "444 on time and Traffic, Road Safety & Parking 15 of 16.",
    "Children's Social Care: 6 of its 74 complaints are statutory (children's procedure) and 2 of them went "
    "to stage 2; stage 2 complaints are not counted again.",
    "Ombudsman: each division's new referrals, decisions and upheld decisions are its chapter's; the 26 "
    "investigations and the 2 cases upheld without investigation (Housing, Education) are spread as "
    "OMBUDSMAN_INVESTIGATED says, and 104 cases were open during the year (46 of them referred before it). "
    "225 response deadlines, 209 met (93%).",
    "Services: Adult Social Care's as its table (labels assumed, see the data), E&PP's four as theirs; "
    "the other divisions' complaints name the division only (their services tables were images).",
]

# How many aspects of each type each division without a published nature table fully and partially upheld
# (rows: aspect types; the divisions' totals are their chapters' and the type totals the overview's rates).
FULLY_UPHELD = {
    "housing": {"staff_conduct": 2, "disputed_decision": 2, "information": 3, "lack_of_action": 12,
                "quality_of_service": 9, "service_delay": 3},
    "pr": {"information": 2, "lack_of_action": 3, "quality_of_service": 1, "service_delay": 1},
    "education": {"staff_conduct": 1, "disputed_decision": 1, "information": 1, "lack_of_action": 8,
                  "quality_of_service": 3, "service_delay": 2},
    "ced": {"staff_conduct": 5, "disputed_decision": 1, "information": 3, "lack_of_action": 11,
            "quality_of_service": 11, "service_delay": 1},
}  # fmt: skip
PARTIALLY_UPHELD = {
    "housing": {"disputed_decision": 1, "information": 1, "lack_of_action": 3, "quality_of_service": 4},
    "pr": {"lack_of_action": 1, "quality_of_service": 1},
    # Education: "lack of action ... of which 45% were either fully or partially upheld" (14 of 31).
    "education": {"information": 1, "lack_of_action": 6, "quality_of_service": 3},
    # CED: "quality of service issues (31%), of which 63% were either fully or partially upheld" (20 of 32).
    "ced": {"staff_conduct": 2, "information": 2, "lack_of_action": 3, "quality_of_service": 9,
            "billing_charging": 1},
}  # fmt: skip
# Complaints on time (the overview's on-time table: complaints of the division) and aspects on time.
ON_TIME = {
    "asc": (16, 22),  # 30%, 28%
    "csc": (45, 67),  # 61%, 62%
    "housing": (56, 65),  # 60%, 60%
    "pr": (18, 26),  # 51% (printed 50%: see the README), 58%
    "education": (46, 62),  # 92%, 93%
    "ced": (45, 67),  # 56%, 66% (DEMO_CHOICES)
    "epp": (476, 476),  # 98%
}
# Mentions per division (the chapters' "gave rise to N mentions"; ASC one more, DEMO_CHOICES).
MENTIONS = {"csc": 86, "housing": 96, "pr": 36, "education": 50, "ced": 82, "epp": 485}
EPP_LATE = {"Neighbourhood Management": 8, "Traffic, Road Safety & Parking": 1}
# Ombudsman: (received before the year and decided in it, received in it and decided in it), by division;
# with each chapter's new referrals and decisions these make 104 cases open during the year.
OMBUDSMAN_SPLIT = {
    "asc": (9, 3),
    "csc": (5, 11),
    "housing": (4, 5),
    "pr": (12, 7),
    "education": (4, 2),
    "ced": (8, 6),
    "epp": (4, 9),
}
# Investigated decisions that were not upheld, and cases upheld without investigation, by division.
OMBUDSMAN_INVESTIGATED_NOT_UPHELD = {"csc": 2, "pr": 3, "ced": 3, "epp": 2}
OMBUDSMAN_UPHELD_WITHOUT_INVESTIGATION = {"housing": 1, "education": 1}
OMBUDSMAN_DEADLINES = (225, 209)
OPEN_CASES = 12


def _bulk(model, objs) -> list:
    """Insert in bulk, with each row's history (as plans' demo does)."""
    objs = list(objs)
    return bulk_create_with_history(objs, model, default_change_reason="Demo data") if objs else objs


def _load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _fy(label: str) -> int:
    return int(label[:4])


# Published figures -----------------------------------------------------------------------------------


@transaction.atomic
def load_published_figures() -> tuple[int, int]:
    """The 2019/20 and 2020/21 figures and the Ombudsman's review letters; returns (figures, letters) added."""
    data = _load(PUBLISHED_FILE)
    by_key = {d["key"]: d["name"] for d in data["divisions"]}
    names = {d.name: d for d in Division.objects.filter(name__in=by_key.values())}
    rows = []
    for figure in data["figures"]:
        division = names.get(by_key[figure["division"]])
        if division is not None:
            rows.append(
                PublishedFigure(
                    year=_fy(figure["year"]),
                    division=division,
                    measure=figure["measure"],
                    value=Decimal(str(figure["value"])),
                    source=figure["source"][:200],
                )
            )
    for figure in data["council"]:
        measure = figure["measure"].replace("_excluding_epp", "")
        rows.append(
            PublishedFigure(
                year=_fy(figure["year"]),
                measure=measure,
                value=Decimal(str(figure["value"])),
                source="council overview"
                + (" (E&PP excluded)" if "excluding_epp" in figure["measure"] else ""),
            )
        )
    before = PublishedFigure.objects.count()
    PublishedFigure.objects.bulk_create(rows, ignore_conflicts=True)
    letters = 0
    for letter in data["review_letters"]:
        ranking = letter["london_ranking"]
        _, created = OmbudsmanReviewLetter.objects.get_or_create(
            year=_fy(letter["year"]),
            defaults={
                "referrals": letter["referrals"],
                "investigations": letter["investigations"],
                "upheld": letter["upheld"],
                "upheld_rate": Decimal(letter["printed_upheld_rate"]),
                "london_average_upheld_rate": Decimal(letter["london_average_upheld_rate"]),
                "london_ranking": int("".join(c for c in ranking if c.isdigit())),
                "ranking_joint": ranking.startswith("Joint"),
            },
        )
        letters += created
    return PublishedFigure.objects.count() - before, letters


# The 2021/22 case list ------------------------------------------------------------------------------


@dataclass
class DemoAspect:
    type: str
    outcome: str
    on_time: bool  # False for late and for ongoing
    service: str | None = None


def _max_flow_fill(rows: dict, cols: dict, caps: dict) -> dict:
    """A table with the given row and column sums within ``caps[(row, col)]`` (a small max-flow)."""
    source, sink = ("s",), ("t",)
    graph: dict = defaultdict(dict)

    def edge(a, b, c):
        graph[a][b] = graph[a].get(b, 0) + c
        graph[b].setdefault(a, 0)

    for r, n in rows.items():
        edge(source, ("r", r), n)
    for c, n in cols.items():
        edge(("c", c), sink, n)
    for (r, c), n in caps.items():
        if n:
            edge(("r", r), ("c", c), n)
    flow = 0
    while True:
        parents, queue = {source: None}, [source]
        for node in queue:
            for nxt, cap in sorted(graph[node].items(), key=str):
                if cap > 0 and nxt not in parents:
                    parents[nxt] = node
                    queue.append(nxt)
        if sink not in parents:
            break
        path, node = [], sink
        while parents[node] is not None:
            path.append((parents[node], node))
            node = parents[node]
        push = min(graph[a][b] for a, b in path)
        for a, b in path:
            graph[a][b] -= push
            graph[b][a] += push
        flow += push
    if flow != sum(rows.values()) or flow != sum(cols.values()):
        raise ValueError("no table fits these sums")
    return {(r, c): graph[("c", c)].get(("r", r), 0) for (r, c) in caps}


OUTCOME_COLUMNS = [
    ("fully_upheld", AspectOutcome.UPHELD),
    ("partially_upheld", AspectOutcome.PARTIALLY_UPHELD),
    ("not_upheld", AspectOutcome.NOT_UPHELD),
    ("ongoing", AspectOutcome.ONGOING),
]


def _on_time_split(table: dict[str, dict], totals: dict[str, int]) -> dict:
    """For each row of an outcomes table, how many of each answered outcome were on time, so that the
    rows' on-time counts and the outcome totals ``totals`` both hold."""
    caps = {
        (row, outcome): values[column]
        for row, values in table.items()
        for column, outcome in OUTCOME_COLUMNS
        if outcome != AspectOutcome.ONGOING
    }
    return _max_flow_fill({row: v["on_time"] for row, v in table.items()}, totals, caps)


def _items(table: dict[str, dict], split: dict) -> dict:
    """(outcome, on time) -> list of the rows' keys, one per aspect."""
    items = defaultdict(list)
    for row, values in table.items():
        for column, outcome in OUTCOME_COLUMNS:
            on_time = split.get((row, outcome), 0)
            items[(outcome, True)] += [row] * on_time
            items[(outcome, False)] += [row] * (values[column] - on_time)
    return items


def asc_aspects(chapters: dict) -> tuple[list[DemoAspect], dict[str, int]]:
    """Adult Social Care's 79 aspects, each with a service and a type, so that both its services table and
    its nature-of-complaint table hold. Returns the aspects and the mentions per service."""
    services = {}
    mentions = {}
    for row in chapters["asc"]["services"]:
        services[row["service"]] = row
        mentions[row["service"]] = max(row["mentions"], 1 if row["aspects"] else 0)
    nature = chapters["asc"]["nature_of_complaint"]
    answered = [o for _, o in OUTCOME_COLUMNS if o != AspectOutcome.ONGOING]
    on_time_total = sum(row["on_time"] for row in nature.values())
    for fully in range(on_time_total + 1):
        for partly in range(on_time_total - fully + 1):
            totals = dict(zip(answered, [fully, partly, on_time_total - fully - partly], strict=True))
            try:
                by_type = _items(nature, _on_time_split(nature, totals))
                by_service = _items(services, _on_time_split(services, totals))
            except ValueError:
                continue
            aspects = []
            for (outcome, on_time), kinds in sorted(by_type.items()):
                for kind, service in zip(kinds, by_service[(outcome, on_time)], strict=True):
                    aspects.append(DemoAspect(kind, outcome, on_time, service))
            return aspects, {name: n for name, n in mentions.items() if n}
    raise ValueError("no split of Adult Social Care's on-time aspects fits both of its tables")


def table_aspects(nature: dict[str, dict]) -> list[DemoAspect]:
    """A division's aspects from its published nature-of-complaint table (Children's Social Care)."""
    aspects = []
    for kind, row in nature.items():
        on_time = row["on_time"]
        for column, outcome in OUTCOME_COLUMNS:
            for _ in range(row[column]):
                answered = outcome != AspectOutcome.ONGOING
                aspects.append(DemoAspect(kind, outcome, answered and on_time > 0))
                on_time -= answered and on_time > 0
    return aspects


def derived_aspects(key: str, counts: dict[str, int], on_time: int) -> list[DemoAspect]:
    """A division's aspects from the overview's counts and the outcomes in FULLY_ and PARTIALLY_UPHELD."""
    aspects = []
    for kind in AspectType.values:
        n = counts.get(kind) or 0
        fully = FULLY_UPHELD[key].get(kind, 0)
        partly = PARTIALLY_UPHELD[key].get(kind, 0)
        outcomes = [AspectOutcome.UPHELD] * fully + [AspectOutcome.PARTIALLY_UPHELD] * partly
        outcomes += [AspectOutcome.NOT_UPHELD] * (n - fully - partly)
        aspects += [DemoAspect(kind, outcome, False) for outcome in outcomes]
    # Spread the on-time answers over types and outcomes: every k-th aspect in a fixed order.
    order = sorted(range(len(aspects)), key=lambda i: (i * 7919) % len(aspects))
    for i in order[:on_time]:
        aspects[i].on_time = True
    return aspects


def epp_aspects(chapters: dict) -> list[DemoAspect]:
    categories = {c["category"]: c["aspect_type"] for c in chapters["epp"]["categories"]}
    aspects = []
    for row in chapters["epp"]["nature_by_service"]:
        late = EPP_LATE.get(row["service"], 0)
        for category, n in row["by_category"].items():
            for _ in range(n):
                aspects.append(
                    DemoAspect(categories[category], AspectOutcome.NOT_KNOWN, late <= 0, row["service"])
                )
                late -= 1
    return aspects


def _mentions(aspects: list[DemoAspect], count: int, pure: int | None = None) -> list[list[DemoAspect]]:
    """Split aspects (all about one service, or one division) into ``count`` mentions: ``pure`` of them
    wholly on time (by default as many as can be), the others each with at least one late aspect."""
    on_time = [a for a in aspects if a.on_time]
    late = [a for a in aspects if not a.on_time]
    if pure is None:
        pure = min(len(on_time), count - (1 if late else 0))
    late_count = count - pure
    if not (0 <= pure <= len(on_time) and late_count <= len(late) and (late_count > 0 or not late)):
        raise ValueError(f"cannot split {len(on_time)} on-time and {len(late)} late aspects as asked")
    pure_mentions = [[a] for a in on_time[:pure]]
    late_mentions = [[a] for a in late[:late_count]]
    for i, aspect in enumerate(late[late_count:]):
        late_mentions[i % late_count].append(aspect)
    everyone = pure_mentions + late_mentions
    for i, aspect in enumerate(on_time[pure:]):
        everyone[i % len(everyone)].append(aspect)
    return everyone


def _complaints(mentions: list[list[DemoAspect]], count: int, on_time: int) -> list[list[list[DemoAspect]]]:
    """Group mentions into ``count`` complaints of which ``on_time`` have every aspect on time."""
    pure = [m for m in mentions if all(a.on_time for a in m)]
    late = [m for m in mentions if not all(a.on_time for a in m)]
    late_count = count - on_time
    if len(pure) < on_time or len(late) < late_count or (late and not late_count):
        raise ValueError(
            f"{len(pure)} on-time and {len(late)} late mentions cannot make {on_time} of {count}"
        )
    complaints = [[m] for m in pure[:on_time]] + [[m] for m in late[:late_count]]
    for i, mention in enumerate(late[late_count:]):
        complaints[on_time + i % late_count].append(mention)
    for i, mention in enumerate(pure[on_time:]):
        complaints[-1 - i % len(complaints)].append(mention)
    return complaints


def _pure(aspects: list[DemoAspect], mentions: int, complaints_on_time: int) -> int:
    """How many mentions to keep wholly on time: enough for the on-time complaints, and few enough that
    every late aspect has a late mention to sit in."""
    late = sum(not a.on_time for a in aspects)
    return max(complaints_on_time, mentions - late)


def division_cases(key: str, report: dict, chapters: dict) -> list[list[list[DemoAspect]]]:
    """Each complaint of the division as its mentions, each a list of aspects."""
    complaints_total = report["channels"]["by_division"][key]
    on_time, aspects_on_time = ON_TIME.get(key, (0, 0))
    if key == "asc":
        aspects, per_service = asc_aspects(chapters)
        mentions = []
        for service, n in per_service.items():
            mentions += _mentions([a for a in aspects if a.service == service], n)
    elif key == "csc":
        aspects = table_aspects(chapters["csc"]["nature_of_complaint"])
        mentions = _mentions(aspects, MENTIONS[key], _pure(aspects, MENTIONS[key], on_time))
    elif key == "epp":
        mentions = [[a] for a in epp_aspects(chapters)]
    elif key == "public_health":
        return []
    else:
        counts = {k: row["by_division"][key] for k, row in report["aspects"]["by_type"].items()}
        aspects = derived_aspects(key, counts, aspects_on_time)
        mentions = _mentions(aspects, MENTIONS[key], _pure(aspects, MENTIONS[key], on_time))
    return _complaints(mentions, complaints_total, on_time)


def _spread(index: int, count: int, year: FinancialYear) -> date:
    """The index-th of count dates spread over the year's first eleven months (answers fall in the year)."""
    return year.starts_on + timedelta(days=(index * 330) // max(count, 1))


def _channels(report: dict, key: str) -> list[str]:
    """The division's complaints' channels, interleaved so each month has a mix."""
    pool = []
    for channel, by_division in report["channels"]["by_channel"].items():
        pool += [channel] * by_division[key]
    return [pool[(i * 7) % len(pool)] for i in range(len(pool))] if len(pool) % 7 else pool


@transaction.atomic
@counts.batched
def load_demo_year(year: FinancialYear = DEMO_YEAR) -> int:
    """The 2021/22 case list; returns the complaints created (0 when the year is there already)."""
    if Complaint.objects.filter(received__gte=year.starts_on, received__lte=year.ends_on).exists():
        return 0
    report, chapters = _load(REPORT_FILE), _load(CHAPTERS_FILE)["chapters"]
    names = {d["key"]: d["name"] for d in report["divisions"]}
    divisions = {d.name: d for d in Division.objects.all()}
    _ensure_services(chapters, divisions.get(names["asc"]), divisions.get(names["epp"]))
    calendar = WorkingCalendar()
    planned = _plan(year, report, chapters, names, divisions)
    complaints = _complaint_rows(year, planned, calendar)
    _case_rows(complaints, planned)
    _escalate_statutory(complaints, calendar)
    _ombudsman(year, chapters, names, divisions)
    _remedies(year, report, names, divisions)
    _compliments(year, report, names, divisions)
    return len(complaints)


def _plan(year, report, chapters, names, divisions) -> list[tuple]:
    """(division, key, index in division, division's count, channel, mentions) for every complaint, in the
    order received."""
    planned = []
    for key, name in names.items():
        division = divisions.get(name)
        if division is None:
            continue
        cases = division_cases(key, report, chapters)
        for index, (case, channel) in enumerate(zip(cases, _channels(report, key), strict=True)):
            planned.append((division, key, index, len(cases), channel, case))
    planned.sort(key=lambda p: (_spread(p[2], p[3], year), p[0].order, p[2]))
    return planned


def _complaint_rows(year: FinancialYear, planned: list[tuple], calendar: WorkingCalendar) -> list[Complaint]:
    complaints, numbers, statutory = [], defaultdict(int), 0
    for division, key, index, count, channel, _case in planned:
        received = _spread(index, count, year)
        procedure = timescales.procedure_for(division.procedure, received)
        if key == "csc" and index % 12 == 0 and statutory < 6:
            procedure, statutory = Procedure.CHILDREN, statutory + 1
        due = timescales.due_dates(procedure, 1, received, calendar=calendar)
        numbers[received.year] += 1
        complaints.append(
            Complaint(
                reference=f"C{received.year}-{numbers[received.year]:05d}",
                received=received,
                channel=channel,
                procedure=procedure,
                stage=1,
                status=ComplaintStatus.CLOSED,
                acknowledge_by=due.acknowledge_by,
                acknowledged_on=due.acknowledge_by,
                respond_by=due.respond_by,
            )
        )
    return complaints


def _answered(complaint: Complaint, aspect: DemoAspect, n: int) -> date | None:
    """When a demo aspect was answered: by the due date when on time, up to three weeks after when late."""
    if aspect.outcome == AspectOutcome.ONGOING:
        return None
    if aspect.on_time:
        return max(complaint.received, complaint.respond_by - timedelta(days=n % 6))
    return complaint.respond_by + timedelta(days=1 + n % 15)


def _case_rows(complaints: list[Complaint], planned: list[tuple]) -> None:
    """Write the complaints, their mentions and aspects in three bulk inserts."""
    services = {(s.division_id, s.name): s for s in Service.objects.all()}
    mentions, aspects = [], []
    for complaint, (division, _key, index, _count, _channel, case) in zip(complaints, planned, strict=True):
        answers = []
        for order, mention_aspects in enumerate(case, start=1):
            service = services.get((division.pk, mention_aspects[0].service))
            mention = Mention(complaint=complaint, order=order, division=division, service=service)
            mentions.append(mention)
            for n, aspect in enumerate(mention_aspects):
                answers.append(_answered(complaint, aspect, index + n))
                aspects.append((mention, aspect, answers[-1]))
        if None in answers:
            complaint.status = ComplaintStatus.ACKNOWLEDGED
        else:
            complaint.responded_on = complaint.closed_on = max(answers)
    _bulk(Complaint, complaints)
    for mention in mentions:
        mention.complaint_id = mention.complaint.pk
    _bulk(Mention, mentions)
    _bulk(
        Aspect,
        [
            Aspect(
                mention_id=mention.pk,
                type=aspect.type,
                outcome=aspect.outcome,
                responded_on=responded,
                on_time=timescales.answered_on_time(responded, mention.complaint.respond_by),
            )
            for mention, aspect, responded in aspects
        ],
    )
    # Bulk inserts send no signals: the years written are counted again at the batch's end (complaints.counts).
    counts.touch_dates(complaint.received for complaint in complaints)


def _ensure_services(chapters: dict, asc: Division | None, epp: Division | None) -> None:
    """The services the demo's mentions name (complaints.services.load_divisions loads the same names)."""
    for division, rows in [
        (asc, chapters["asc"]["services"]),
        (epp, chapters["epp"]["complaints_by_service"]),
    ]:
        if division is None:
            continue
        for order, row in enumerate(rows, start=1):
            if row.get("aspects", 1):
                Service.objects.get_or_create(
                    division=division, name=row["service"], defaults={"order": order}
                )


def _escalate_statutory(complaints: list[Complaint], calendar: WorkingCalendar) -> None:
    """Two of the children's statutory complaints went to stage 2 (the chapter's stages table)."""
    statutory = [c for c in complaints if c.procedure == Procedure.CHILDREN and c.responded_on][:2]
    for complaint in statutory:
        received = calendar.add(complaint.responded_on, 5)
        due = timescales.due_dates(Procedure.CHILDREN, 2, received, calendar=calendar)
        stage_2 = Complaint.objects.create(
            reference=f"{complaint.reference}-2",
            received=received,
            channel=complaint.channel,
            procedure=Procedure.CHILDREN,
            stage=2,
            escalated_from=complaint,
            status=ComplaintStatus.CLOSED,
            acknowledge_by=due.acknowledge_by,
            acknowledged_on=due.acknowledge_by,
            respond_by=due.respond_by,
            responded_on=due.respond_by,
            closed_on=due.respond_by,
        )
        first = complaint.mentions.first()
        mention = Mention.objects.create(complaint=stage_2, order=1, division_id=first.division_id)
        Aspect.objects.create(
            mention=mention,
            type=AspectType.QUALITY_OF_SERVICE,
            outcome=AspectOutcome.NOT_UPHELD,
            responded_on=due.respond_by,
            on_time=True,
        )
        Complaint.objects.filter(pk=complaint.pk).update(status=ComplaintStatus.ESCALATED)


def _ombudsman(year: FinancialYear, chapters: dict, names: dict, divisions: dict) -> None:
    cases = []
    for key in OMBUDSMAN_SPLIT:
        division = divisions.get(names[key])
        if division is not None:
            cases += _ombudsman_cases(year, key, chapters[key]["ombudsman"], division, len(cases))
    _bulk(OmbudsmanCase, cases)
    total, met = OMBUDSMAN_DEADLINES
    deadlines = []
    for i in range(total):
        case = cases[i % len(cases)]
        due = max(
            case.received + timedelta(days=20 + 3 * (i // len(cases))),
            year.starts_on + timedelta(days=i % 300),
        )
        due = min(due, year.ends_on)
        answered = due - timedelta(days=1) if i < met else due + timedelta(days=4)
        deadlines.append(
            OmbudsmanDeadline(
                case=case, what="Answers to the Ombudsman's enquiries", due=due, answered=answered
            )
        )
    _bulk(OmbudsmanDeadline, deadlines)


def _ombudsman_cases(year: FinancialYear, key: str, chapter: dict, division: Division, number: int) -> list:
    """A division's cases: its chapter's referrals, decisions and upheld decisions (OMBUDSMAN_SPLIT)."""
    before, within = OMBUDSMAN_SPLIT[key]
    received_in_year, decisions, upheld = chapter["new_referrals"], chapter["decisions"], chapter["upheld"]
    if before + within != decisions or within > received_in_year:
        raise ValueError(f"OMBUDSMAN_SPLIT for {key} does not fit its chapter")
    outcomes = (
        [(OmbudsmanDecision.UPHELD, True)] * upheld
        + [(OmbudsmanDecision.NOT_UPHELD, True)] * OMBUDSMAN_INVESTIGATED_NOT_UPHELD.get(key, 0)
        + [(OmbudsmanDecision.UPHELD_WITHOUT_INVESTIGATION, False)]
        * OMBUDSMAN_UPHELD_WITHOUT_INVESTIGATION.get(key, 0)
    )
    others = [OmbudsmanDecision.CLOSED_AFTER_INITIAL_ENQUIRIES, OmbudsmanDecision.REFERRED_BACK]
    outcomes += [(others[i % 2], False) for i in range(decisions - len(outcomes))]
    start = year.starts_on
    # Received before the year and decided in it; received and decided in it; received and still open.
    dates = [(start - timedelta(days=40 + 9 * i), start + timedelta(days=20 + 25 * i)) for i in range(before)]
    dates += [
        (start + timedelta(days=10 + 20 * i), start + timedelta(days=100 + 20 * i)) for i in range(within)
    ]
    dates += [(year.ends_on - timedelta(days=5 + 7 * i), None) for i in range(received_in_year - within)]
    cases = []
    for i, (received, decided) in enumerate(dates):
        decision, investigated = outcomes[i] if decided else ("", False)
        cases.append(
            OmbudsmanCase(
                reference=f"21 00{number + i + 1:03d}",
                division=division,
                received=received,
                decided=min(decided, year.ends_on) if decided else None,
                investigated=investigated,
                decision=decision,
                remedy_complied=True if decision in OmbudsmanDecision.upheld() else None,
                # The year's public report was about a Housing case.
                public_report=key == "housing" and decision == OmbudsmanDecision.UPHELD and i == 0,
            )
        )
    return cases


def _remedies(year: FinancialYear, report: dict, names: dict, divisions: dict) -> None:
    rows = []
    table = report["remedies"]["by_stage_type_division"]
    for stage, by_type in table.items():
        for kind, by_division in by_type.items():
            for key, amount in by_division.items():
                division = divisions.get(names[key])
                if division is not None and Decimal(amount):
                    rows.append(
                        Remedy(division=division, stage=stage, type=kind, amount=Decimal(amount),
                               agreed=year.starts_on + timedelta(days=30 + 17 * len(rows)))
                    )  # fmt: skip
    _bulk(Remedy, rows)


def _compliments(year: FinancialYear, report: dict, names: dict, divisions: dict) -> None:
    rows = []
    for key, row in report["compliments"]["by_division"].items():
        division = divisions.get(names[key])
        if division is None:
            continue
        count = row["2021/22"]
        rows += [
            Compliment(
                received=_spread(i, count, year), division=division, channel="email" if i % 3 else "website"
            )
            for i in range(count)
        ]
    _bulk(Compliment, rows)


# Open cases in the current year ---------------------------------------------------------------------


@transaction.atomic
@counts.batched
def load_open_cases(today: date | None = None) -> int:
    """A dozen complaints received in the last few weeks and not answered yet (the caseload); none when
    there are open complaints already."""
    today = today or timezone.localdate()
    if Complaint.objects.open().filter(received__gte=FinancialYear.of(today).starts_on).exists():
        return 0
    calendar = WorkingCalendar()
    divisions = [
        d
        for d in Division.objects.filter(handled_by_cecs=True, records_outcomes=True)
        if d.name != "Public Health"
    ]
    if not divisions:
        return 0
    created = 0
    kinds = AspectType.values
    for i in range(OPEN_CASES):
        received = calendar.add(today, -(1 + 2 * i))
        division = divisions[i % len(divisions)]
        procedure = timescales.procedure_for(division.procedure, received)
        due = timescales.due_dates(procedure, 1, received, calendar=calendar)
        acknowledged = due.acknowledge_by if due.acknowledge_by <= today and i % 3 else None
        complaint = Complaint.objects.create(
            reference=next_reference(received),
            received=received,
            channel=["email", "website", "telephone"][i % 3],
            procedure=procedure,
            status=ComplaintStatus.ACKNOWLEDGED if acknowledged else ComplaintStatus.RECEIVED,
            acknowledge_by=due.acknowledge_by,
            acknowledged_on=acknowledged,
            respond_by=due.respond_by,
        )
        mention = Mention.objects.create(complaint=complaint, order=1, division=division)
        for n in range(1 + i % 2):
            Aspect.objects.create(mention=mention, type=kinds[(i + n) % 5])
        created += 1
    return created


def load_demo_data(stdout) -> None:
    """The registered demo loader (complaints.apps): published figures, 2021/22, open cases."""
    figures, letters = load_published_figures()
    stdout.write(
        f"  complaints published figures: {figures} figures and {letters} review letters loaded"
        if figures or letters
        else "  complaints published figures: already there"
    )
    year = load_demo_year()
    stdout.write(
        f"  complaints {DEMO_YEAR.label}: {year} complaints loaded"
        if year
        else f"  complaints {DEMO_YEAR.label}: already there"
    )
    opened = load_open_cases()
    stdout.write(
        f"  complaints open now: {opened} loaded" if opened else "  complaints open now: already there"
    )
