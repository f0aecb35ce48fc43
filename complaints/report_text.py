"""The annual complaints report's words, kept per year (issue 13, item 8).

- ``ReportNarrative``: the complaints team's paragraphs for a section of a year's Annual Complaints Report
  (the cover report's commentary, each council-overview table, each division's chapter). Plain text:
  any markup typed or pasted in is stripped with nh3 before it is kept; paragraphs are separated by a
  blank line. With history, so what a committee read can be traced.
- ``CodeSelfAssessment``: for years under the Ombudsman's Complaint Handling Code (complaints received
  from 1 April 2026), the council's self-assessment against each of the Code's provisions: compliance
  (yes, partly, no), the evidence and the explanation. With history.

Loaded with complaints.models (its last lines import this module). Only the complaints team (complaints
officers and admins) edit them (``complaints.edit_report_text``); every role reads them in the report.
"""

import html

import nh3
import rules
from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from bromley_portal.accounts.rules import is_admin, is_complaints_officer
from bromley_portal.core.choices import StatusChoices, register_status_set, status
from bromley_portal.core.financial_year import FinancialYear
from complaints.timescales import CODE_APPLIES_FROM

NARRATIVE_MAX_LENGTH = 4000
SELF_ASSESSMENT_MAX_LENGTH = 2000


def plain_text(value: str) -> str:
    """The text without any markup (nh3 strips tags, and drops script and style with their content),
    with Windows line ends made plain and outer space trimmed. The templates escape it on the way out."""
    cleaned = nh3.clean(str(value or ""), tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(cleaned).replace("\r\n", "\n").replace("\r", "\n").strip()


def code_applies(year: FinancialYear) -> bool:
    """A year is under the Code when its complaints were received from 1 April 2026."""
    return year.starts_on >= CODE_APPLIES_FROM


class NarrativeSection(models.TextChoices):
    """The report's sections that carry the complaints team's words, in the report's order."""

    COVER_COMMENTARY = "cover_commentary", "Cover report: commentary"
    WHY_WE_REPORT = "why_we_report", "Why we report on our complaints"
    LAW_AND_PROCEDURES = "law_and_procedures", "Law and procedures"
    COMPLAINTS_RECEIVED = "complaints_received", "Council overview: complaints received"
    CHANNELS = "channels", "Council overview: how complaints were received"
    UPHELD = "upheld", "Council overview: proportion upheld"
    ASPECTS = "aspects", "Council overview: causes for complaint"
    ON_TIME = "on_time", "Council overview: responding on time"
    OMBUDSMAN = "ombudsman", "Council overview: the Ombudsman"
    REMEDIES = "remedies", "Council overview: financial consequences"
    COMPLIMENTS = "compliments", "Council overview: compliments"
    CODE = "code", "The Complaint Handling Code: performance and service improvement"
    CHAPTER = "chapter", "A division's chapter"


class ReportNarrative(models.Model):
    year = models.PositiveSmallIntegerField(help_text="The financial year's first year: 2021 for 2021/22.")
    section = models.CharField(max_length=30, choices=NarrativeSection.choices)
    division = models.ForeignKey(
        "complaints.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_narratives",
        help_text="The division whose chapter it opens (chapters only).",
    )
    text = models.TextField(max_length=NARRATIVE_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "section", "division__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "section"],
                condition=Q(division__isnull=True),
                name="report_narrative_one_per_section",
            ),
            models.UniqueConstraint(
                fields=["year", "division"],
                condition=Q(division__isnull=False),
                name="report_narrative_one_per_chapter",
            ),
            models.CheckConstraint(
                condition=Q(section="chapter", division__isnull=False)
                | (~Q(section="chapter") & Q(division__isnull=True)),
                name="report_narrative_chapter_has_division",
            ),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="report_narrative_year"),
        ]

    def __str__(self):
        where = self.division.name if self.division_id else self.get_section_display()
        return f"{FinancialYear(self.year).label}: {where}"

    @property
    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.text.split("\n\n") if part.strip()]


class CodeProvision(models.TextChoices):
    """The Complaint Handling Code's provisions, by its sections, that the self-assessment answers."""

    DEFINITION = "definition", "1. Definition of a complaint"
    EXCLUSIONS = "exclusions", "2. Exclusions"
    ACCESSIBILITY = "accessibility", "3. Accessibility and awareness"
    STAFF = "staff", "4. Complaint handling staff"
    PROCESS = "process", "5. The complaint handling process"
    STAGE_1 = "stage_1", "6. Complaint stages: stage 1"
    STAGE_2 = "stage_2", "6. Complaint stages: stage 2"
    PUTTING_RIGHT = "putting_right", "7. Putting things right"
    SELF_ASSESSMENT = "self_assessment", "8. Self-assessment, reporting and compliance"
    SCRUTINY = "scrutiny", "9. Scrutiny and oversight: continuous learning and improvement"


class Compliance(StatusChoices):
    YES = status("yes", "Yes: complies", short="Yes", colour="green", description="meets the provision")
    PARTLY = status("partly", "Partly complies", short="Partly", colour="orange", description="in part")
    NO = status("no", "No: does not comply", short="No", colour="red", description="does not meet it")
    NOT_ASSESSED = status(
        "not_assessed", "Not yet assessed", short="Not assessed", colour="grey", description="no answer yet"
    )


register_status_set("code_compliance", Compliance)


class CodeSelfAssessment(models.Model):
    year = models.PositiveSmallIntegerField(help_text="The financial year's first year.")
    provision = models.CharField(max_length=30, choices=CodeProvision.choices)
    compliance = models.CharField(max_length=20, choices=Compliance.choices, default=Compliance.NOT_ASSESSED)
    evidence = models.TextField(max_length=SELF_ASSESSMENT_MAX_LENGTH, blank=True)
    explanation = models.TextField(max_length=SELF_ASSESSMENT_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "provision"], name="code_self_assessment_one_per_provision"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2026, year__lte=2100), name="code_self_assessment_under_the_code"
            ),
        ]

    def __str__(self):
        return f"{FinancialYear(self.year).label}: {self.get_provision_display()}"


# The complaints team writes the report's words; admins also correct them in the Django admin.
rules.add_perm("complaints.edit_report_text", is_complaints_officer | is_admin)
for _model in ["reportnarrative", "codeselfassessment"]:
    for _verb in ["view", "add", "change", "delete"]:
        rules.add_perm(f"complaints.{_verb}_{_model}", is_admin)


# Saving: the permission checked here as well as on the page, one row per year and section --------------


class ReportTextError(Exception):
    """The words cannot be kept as given; the message says why."""


def _check(user) -> None:
    if not user.has_perm("complaints.edit_report_text"):
        raise PermissionError("Only the complaints team can change the annual report's words.")


def narratives_for(year: FinancialYear) -> dict:
    """The year's paragraphs by section (chapters by ``("chapter", division id)``); one query."""
    result = {}
    for narrative in ReportNarrative.objects.filter(year=year.start_year):
        key = (
            (NarrativeSection.CHAPTER, narrative.division_id) if narrative.division_id else narrative.section
        )
        result[key] = narrative
    return result


def save_narrative(user, year: FinancialYear, section: str, text: str, division=None) -> ReportNarrative:
    _check(user)
    text = plain_text(text)
    if len(text) > NARRATIVE_MAX_LENGTH:
        raise ReportTextError(f"The text must be {NARRATIVE_MAX_LENGTH:,} characters or fewer")
    if (section == NarrativeSection.CHAPTER) != (division is not None):
        raise ReportTextError("A division's chapter names its division, and no other section does")
    narrative, _ = ReportNarrative.objects.update_or_create(
        year=year.start_year,
        section=section,
        division=division,
        defaults={"text": text, "updated_by": user},
    )
    return narrative


def self_assessment_for(year: FinancialYear) -> list[CodeSelfAssessment]:
    """Every provision of the Code for the year in the Code's order, answered or not (one query)."""
    kept = {row.provision: row for row in CodeSelfAssessment.objects.filter(year=year.start_year)}
    return [
        kept.get(p) or CodeSelfAssessment(year=year.start_year, provision=p) for p in CodeProvision.values
    ]


def save_self_assessment(
    user, year: FinancialYear, provision: str, *, compliance: str, evidence: str, explanation: str
) -> CodeSelfAssessment:
    _check(user)
    if not code_applies(year):
        raise ReportTextError(
            f"{year.label} is before the Complaint Handling Code applied (complaints from 1 April 2026)"
        )
    if provision not in CodeProvision.values or compliance not in Compliance.values:
        raise ReportTextError("Choose a provision of the Code and how far the council complies")
    evidence, explanation = plain_text(evidence), plain_text(explanation)
    if max(len(evidence), len(explanation)) > SELF_ASSESSMENT_MAX_LENGTH:
        raise ReportTextError(
            f"Evidence and explanation must each be {SELF_ASSESSMENT_MAX_LENGTH:,} characters or fewer"
        )
    row, _ = CodeSelfAssessment.objects.update_or_create(
        year=year.start_year,
        provision=provision,
        defaults={
            "compliance": compliance,
            "evidence": evidence,
            "explanation": explanation,
            "updated_by": user,
        },
    )
    return row
