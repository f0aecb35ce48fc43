"""The complaints vocabulary, in the Annual Complaints Report's own words (seed 004, Appendix 1), and the
moves complaints.services may make. Pages, tables, exports and reports read labels from here.

Divisions and services are data (complaints.models.Division, Service), edited by admins; everything else
the report counts by is a fixed list here.
"""

from django.db import models

from bromley_portal.core.choices import StatusChoices, register_status_set, status


class Channel(models.TextChoices):
    """How a complaint or compliment reached the council ("How complaints were received")."""

    EMAIL = "email", "Email"
    FORM = "form", "Form"
    IN_PERSON = "in_person", "In person"
    LETTER = "letter", "Letter"
    TELEPHONE = "telephone", "Telephone"
    WEBSITE = "website", "Website"


class Procedure(models.TextChoices):
    """The procedure a complaint is handled under ("Law & procedures"). Never typed in: it follows from
    the service named first and the date received (complaints.timescales.procedure_for)."""

    CORPORATE = "corporate", "Corporate Complaints Procedure"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care (statutory, 2009 Regulations)"
    CHILDREN = "children", "Children's Complaints Procedure (Children Act 1989)"
    CODE = "code", "Complaint Handling Code (Local Government and Social Care Ombudsman)"


class StatutoryProcedure(models.TextChoices):
    """What a division's (or service's) complaints fall under before the date decides between the
    corporate procedure and the Complaint Handling Code. The statutory procedures stay outside the Code."""

    CORPORATE = "corporate", "Corporate (the Complaint Handling Code from 1 April 2026)"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care statutory procedure"
    CHILDREN = "children", "Children's statutory procedure"


class Stage(models.IntegerChoices):
    STAGE_1 = 1, "Stage 1"
    STAGE_2 = 2, "Stage 2"
    STAGE_3 = 3, "Stage 3"


class ComplaintStatus(StatusChoices):
    """Where one stage of a complaint stands."""

    RECEIVED = status(
        "received", "Received: not acknowledged yet", short="Received", colour="light-blue",
        description="logged, awaiting acknowledgement",
    )  # fmt: skip
    ACKNOWLEDGED = status(
        "acknowledged", "Acknowledged: being investigated", short="Acknowledged", colour="blue",
        description="acknowledged, awaiting the response",
    )  # fmt: skip
    RESPONDED = status(
        "responded", "Responded", colour="turquoise", description="every aspect answered, not closed yet"
    )
    ESCALATED = status(
        "escalated", "Escalated to the next stage", short="Escalated", colour="purple",
        description="the complainant took it to the next stage",
    )  # fmt: skip
    CLOSED = status("closed", "Closed", colour="grey", description="answered and closed at this stage")

    @classmethod
    def open(cls) -> list["ComplaintStatus"]:
        """The statuses of a case still being worked (the caseload)."""
        return [cls.RECEIVED, cls.ACKNOWLEDGED]

    @classmethod
    def finished(cls) -> list["ComplaintStatus"]:
        return [cls.ESCALATED, cls.CLOSED]

    @classmethod
    def to_close(cls) -> list["ComplaintStatus"]:
        """Every status but the finished ones (the caseload's default), named so that an index on the
        status finds them among the years of closed complaints."""
        return [each for each in cls if each not in cls.finished()]


register_status_set("complaint_status", ComplaintStatus)

# The only moves complaints.services makes; any other is refused with a message. A responded complaint
# is closed, or escalated when the complainant asks for the next stage; a closed one may still be
# escalated (complainants come back after the response). Escalation opens a new Complaint at the next
# stage, linked to this one.
COMPLAINT_TRANSITIONS: dict[str, set[str]] = {
    ComplaintStatus.RECEIVED: {ComplaintStatus.ACKNOWLEDGED},
    ComplaintStatus.ACKNOWLEDGED: {ComplaintStatus.RESPONDED},
    ComplaintStatus.RESPONDED: {ComplaintStatus.CLOSED, ComplaintStatus.ESCALATED},
    ComplaintStatus.CLOSED: {ComplaintStatus.ESCALATED},
    ComplaintStatus.ESCALATED: set(),
}


class AspectType(models.TextChoices):
    """The nature of a grievance (the report's "Causes for complaint" table, in its order). Environment &
    Public Protection keep their own categories; their figures are read into these (Operational as
    Quality of Service, Policy as Disputed Decision), as the council overview does."""

    STAFF_CONDUCT = "staff_conduct", "Staff conduct"
    DISPUTED_DECISION = "disputed_decision", "Disputed Decision"
    INFORMATION = "information", "Information"
    LACK_OF_ACTION = "lack_of_action", "Lack of Action"
    QUALITY_OF_SERVICE = "quality_of_service", "Quality of Service"
    SERVICE_DELAY = "service_delay", "Service Delay"
    BEHAVIOUR_OF_ANOTHER = "behaviour_of_another", "Behaviour of another service user"
    BILLING_CHARGING = "billing_charging", "Billing / Charging"


class AspectOutcome(StatusChoices):
    """An aspect's outcome. NOT_KNOWN is for divisions that do not record outcomes (Environment & Public
    Protection: "n/k, data not collected"); ONGOING until it is answered."""

    UPHELD = status("upheld", "Fully upheld", short="Upheld", colour="red", description="fault found in full")
    PARTIALLY_UPHELD = status(
        "partially_upheld", "Partially upheld", short="Partly upheld", colour="orange",
        description="fault found in part",
    )  # fmt: skip
    NOT_UPHELD = status("not_upheld", "Not upheld", colour="green", description="no fault found")
    ONGOING = status("ongoing", "Ongoing", colour="light-blue", description="not answered yet")
    NOT_KNOWN = status(
        "not_known", "Not known", colour="grey", description="answered; the division does not record outcomes"
    )

    @classmethod
    def decided(cls) -> list["AspectOutcome"]:
        """The outcomes a handler records for a division that records outcomes."""
        return [cls.UPHELD, cls.PARTIALLY_UPHELD, cls.NOT_UPHELD]

    @classmethod
    def upheld(cls) -> list["AspectOutcome"]:
        """What the report counts as "upheld" (at least partially)."""
        return [cls.UPHELD, cls.PARTIALLY_UPHELD]


register_status_set("aspect_outcome", AspectOutcome)

# An answered aspect may be corrected to another answer while its complaint is open; it never goes back
# to ongoing. NOT_KNOWN is the only answer for a division that does not record outcomes, and never
# given for one that does (complaints.services.record_response).
ASPECT_TRANSITIONS: dict[str, set[str]] = {
    AspectOutcome.ONGOING: {*AspectOutcome.decided(), AspectOutcome.NOT_KNOWN},
    AspectOutcome.UPHELD: {AspectOutcome.PARTIALLY_UPHELD, AspectOutcome.NOT_UPHELD},
    AspectOutcome.PARTIALLY_UPHELD: {AspectOutcome.UPHELD, AspectOutcome.NOT_UPHELD},
    AspectOutcome.NOT_UPHELD: {AspectOutcome.UPHELD, AspectOutcome.PARTIALLY_UPHELD},
    AspectOutcome.NOT_KNOWN: set(),
}


class OmbudsmanDecision(StatusChoices):
    """The Local Government & Social Care Ombudsman's decision on a case. Upheld and not upheld follow an
    investigation (a database constraint holds it); the others close a case without one."""

    UPHELD = status(
        "upheld", "Upheld: fault and injustice", short="Upheld", colour="red",
        description="investigated; fault causing injustice",
    )  # fmt: skip
    UPHELD_NO_INJUSTICE = status(
        "upheld_no_injustice", "Upheld: fault, no injustice", short="Upheld (no injustice)", colour="orange",
        description="investigated; fault that caused no injustice",
    )  # fmt: skip
    NOT_UPHELD = status(
        "not_upheld", "Not upheld: no fault", short="Not upheld", colour="green",
        description="investigated; no fault found",
    )  # fmt: skip
    UPHELD_WITHOUT_INVESTIGATION = status(
        "upheld_without_investigation", "Upheld without investigation", short="Upheld (not investigated)",
        colour="pink", description="fault accepted and remedied by the council before an investigation",
    )  # fmt: skip
    CLOSED_AFTER_INITIAL_ENQUIRIES = status(
        "closed_after_initial_enquiries", "Closed after initial enquiries", short="Closed", colour="grey"
    )
    REFERRED_BACK = status(
        "referred_back", "Referred back for local resolution", short="Referred back", colour="light-blue"
    )
    ADVICE_GIVEN = status("advice_given", "Advice given", colour="grey")
    INCOMPLETE_OR_INVALID = status(
        "incomplete_or_invalid", "Incomplete or invalid", short="Invalid", colour="grey"
    )

    @classmethod
    def after_investigation(cls) -> list["OmbudsmanDecision"]:
        return [cls.UPHELD, cls.UPHELD_NO_INJUSTICE, cls.NOT_UPHELD]

    @classmethod
    def upheld(cls) -> list["OmbudsmanDecision"]:
        """What the Ombudsman's annual review counts as upheld (the report's 16 investigated plus 2)."""
        return [cls.UPHELD, cls.UPHELD_NO_INJUSTICE, cls.UPHELD_WITHOUT_INVESTIGATION]


register_status_set("ombudsman_decision", OmbudsmanDecision)


class RemedyStage(models.TextChoices):
    """Who agreed a financial remedy ("Financial consequences of complaints")."""

    STAGE_1 = "stage_1", "Stage 1"
    OMBUDSMAN = "ombudsman", "Ombudsman"


class RemedyType(models.TextChoices):
    COMPENSATION = "compensation", "Compensation & Backdating"
    WRITTEN_OFF = "written_off", "Written off"
    TIME_AND_TROUBLE = "time_and_trouble", "Time & trouble"
    EXPERT_FEES = "expert_fees", "Expert fees"


class ReminderKind(models.TextChoices):
    """Each (kind, complaint, due date, person) reminder is sent once; an extension's new date gets its own."""

    ACKNOWLEDGE = "acknowledge", "Acknowledgement due soon"
    RESPOND = "respond", "Response due soon"


# How long free text may be. A complaint's summary is for case work, not the complainant's whole letter.
SUMMARY_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 2000
