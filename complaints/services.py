"""Operations on complaints. Each takes the person doing it, checks their permission and the move
(complaints.choices), and raises an error whose message a page can show as it is."""

from django.db import transaction

from complaints.choices import StatutoryProcedure
from complaints.models import Division, Service

# The divisions of the Annual Complaints Report 2021/22 (seed 004, Appendix 1) in the order of its
# tables: (name, column heading, procedure, records outcomes, handled by CE&CS, services named in it).
# Adult social care complaints are statutory but go through the corporate procedure's timescales;
# Children's Social Care's statutory complaints are those about a child's own care, so the division is
# corporate and an admin marks the services whose complaints are statutory. Environment & Public
# Protection keep their own statistics and do not record outcomes ("n/k: data not collected").
# Services: those the report names (the Adult Social Care services table, E&PP's four services, the
# areas the Chief Executive's Department chapter lists); admins add the rest.
DIVISIONS = [
    (
        "Adult Social Care",
        "Adult",
        StatutoryProcedure.ADULT_SOCIAL_CARE,
        True,
        True,
        [
            "Initial Response",
            "Reablement & Rehab",
            "Occupational Therapy",
            "CMHT Oxleas",
            "Bromley MDC",
            "Orpington & The Crays",
            "Integrated Team",
            "Coordination & Review",
            "Duty Team",
            "Hospital Team",
            "Safeguarding",
            "Care Link",
            "Contracted Services",
            "DoLS",
            "Brokerage",
            "Blue Badges",
        ],
    ),
    ("Children's Social Care", "Children", StatutoryProcedure.CORPORATE, True, True, []),
    ("Housing", "Housing", StatutoryProcedure.CORPORATE, True, True, []),
    ("Planning & Regeneration", "P&R", StatutoryProcedure.CORPORATE, True, True, []),
    ("Education", "Education", StatutoryProcedure.CORPORATE, True, True, ["SEN Transport"]),
    (
        "Environment & Public Protection",
        "EPP",
        StatutoryProcedure.CORPORATE,
        False,
        False,
        [
            "Highways & Transport",
            "Neighbourhood Management",
            "Public Protection",
            "Traffic, Road Safety & Parking",
        ],
    ),
    (
        "Chief Executive's Dept.",
        "CED",
        StatutoryProcedure.CORPORATE,
        True,
        True,
        ["Finance", "Legal", "Electoral Services", "Registrars"],
    ),
    ("Public Health", "Public Health", StatutoryProcedure.CORPORATE, True, True, []),
]


@transaction.atomic
def load_divisions() -> tuple[int, int]:
    """The report's divisions and named services, for a new portal (safe to run again: what is there,
    perhaps edited by an admin since, is left as it is). Returns (divisions, services) created."""
    divisions = services = 0
    for order, (name, short, procedure, records, cecs, names) in enumerate(DIVISIONS, start=1):
        division, created = Division.objects.get_or_create(
            name=name,
            defaults={
                "short_name": short,
                "order": order,
                "procedure": procedure,
                "records_outcomes": records,
                "handled_by_cecs": cecs,
            },
        )
        divisions += created
        for service_order, service in enumerate(names, start=1):
            services += Service.objects.get_or_create(
                division=division, name=service, defaults={"order": service_order}
            )[1]
    return divisions, services
