"""The published figures of the years before the portal held cases (issue 13, item 5).

The Annual Complaints Report compares three years. For a year whose cases are in the portal every figure
is computed from them (complaints.selectors); for the years before, the report prints what was published,
held here as figures per year, division and measure (``PublishedFigure``: the 2019/20 and 2020/21 columns
of seed 004's tables, loaded by complaints.demo.load_published_figures). The Ombudsman's annual review
letter gives figures the council cannot compute (London average and ranking), so each year's letter is
entered whole (``OmbudsmanReviewLetter``), the computed years' included.

Loaded with complaints.models (the last line there imports this module).
"""

import rules
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from bromley_portal.accounts.rules import is_admin
from bromley_portal.core.financial_year import FinancialYear


class PublishedMeasure(models.TextChoices):
    """What a published figure measures, in the report's words. Percentages are as printed (0 to 100);
    money is pounds and pence."""

    COMPLAINTS = "complaints", "Complaints received"
    UPHELD_PERCENT = "upheld_percent", "Proportion upheld (fully or partially), %"
    FULLY_UPHELD_PERCENT = "fully_upheld_percent", "Percentage fully upheld"
    PARTIALLY_UPHELD_PERCENT = "partially_upheld_percent", "Percentage partially upheld"
    ON_TIME_PERCENT = "on_time_percent", "Percentage responded to on time"
    NEW_OMBUDSMAN_CASES = "new_ombudsman_cases", "New Ombudsman cases"
    OMBUDSMAN_UPHELD = "ombudsman_upheld", "Ombudsman cases upheld"
    OMBUDSMAN_CASES_HANDLED = "ombudsman_cases_handled", "Ombudsman cases handled"
    OMBUDSMAN_DEADLINES_IN_TIME_PERCENT = (
        "ombudsman_response_deadlines_in_time_percent",
        "Ombudsman response deadlines met, %",
    )
    COMPLIMENTS = "compliments", "Compliments"
    FINANCIAL_CONSEQUENCES = "financial_consequences", "Financial consequences, £"
    REMEDY_STAGE_1_COMPENSATION = "remedy_stage_1_compensation", "Stage 1: compensation & backdating, £"
    REMEDY_STAGE_1_WRITTEN_OFF = "remedy_stage_1_written_off", "Stage 1: charges written off, £"
    REMEDY_STAGE_1_TIME_AND_TROUBLE = "remedy_stage_1_time_and_trouble", "Stage 1: time & trouble, £"
    REMEDY_STAGE_1_EXPERT_FEES = "remedy_stage_1_expert_fees", "Stage 1: expert fees, £"
    REMEDY_OMBUDSMAN_COMPENSATION = "remedy_ombudsman_compensation", "Ombudsman: compensation & backdating, £"
    REMEDY_OMBUDSMAN_WRITTEN_OFF = "remedy_ombudsman_written_off", "Ombudsman: charges written off, £"
    REMEDY_OMBUDSMAN_TIME_AND_TROUBLE = "remedy_ombudsman_time_and_trouble", "Ombudsman: time & trouble, £"
    DIGITAL_CHANNEL_PERCENT = "digital_channel_percent", "Received by email or website, %"


class PublishedFigure(models.Model):
    """One figure as a year's report published it: a division's (or, with no division, the council's)."""

    year = models.PositiveSmallIntegerField(help_text="The financial year's first year: 2020 for 2020/21.")
    division = models.ForeignKey(
        "complaints.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_figures",
        help_text="Blank for a council-wide figure (E&PP excluded where the report excludes it).",
    )
    measure = models.CharField(max_length=60, choices=PublishedMeasure.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    source = models.CharField(max_length=200, blank=True, help_text="Where in the report it is printed.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "division__order", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "division", "measure"], name="published_figure_unique_per_division"
            ),
            models.UniqueConstraint(
                fields=["year", "measure"],
                condition=Q(division__isnull=True),
                name="published_figure_unique_for_council",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="published_figure_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="published_figure_year"),
        ]

    def __str__(self):
        where = self.division.name if self.division_id else "Council"
        return f"{FinancialYear(self.year).label} {where}: {self.get_measure_display()} {self.value}"


class OmbudsmanReviewLetter(models.Model):
    """The Local Government & Social Care Ombudsman's annual review letter figures for a year."""

    year = models.PositiveSmallIntegerField(unique=True, help_text="The financial year's first year.")
    referrals = models.PositiveIntegerField()
    investigations = models.PositiveIntegerField(help_text="Resulting investigations.")
    upheld = models.PositiveIntegerField(help_text="Number upheld (with those upheld without investigation).")
    upheld_rate = models.DecimalField(max_digits=4, decimal_places=1, help_text="As the letter prints it, %.")
    london_average_upheld_rate = models.DecimalField(max_digits=4, decimal_places=1, help_text="%")
    london_ranking = models.PositiveSmallIntegerField(help_text="Bromley's place among London boroughs.")
    ranking_joint = models.BooleanField(default=False, help_text='Shared ("Joint 11th").')
    boroughs = models.PositiveSmallIntegerField(default=32)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(investigations__lte=models.F("referrals")),
                name="review_letter_investigations_within_referrals",
            ),
            models.CheckConstraint(
                condition=Q(london_ranking__gte=1, london_ranking__lte=models.F("boroughs")),
                name="review_letter_ranking_within_boroughs",
            ),
            models.CheckConstraint(
                condition=Q(upheld_rate__lte=100, london_average_upheld_rate__lte=100),
                name="review_letter_rates_are_percentages",
            ),
        ]

    def __str__(self):
        return f"Ombudsman annual review letter {FinancialYear(self.year).label}"

    @property
    def ranking_label(self) -> str:
        """ "Joint 11th", "13th"."""
        n = self.london_ranking
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{'Joint ' if self.ranking_joint else ''}{n}{suffix}"

    @property
    def proportion_investigated(self):
        """Investigations as a share of referrals, % (the letter's "proportion investigated")."""
        return None if not self.referrals else round(self.investigations * 100 / self.referrals)


# Every role reads them through the statistics (complaints.view_statistics); admins enter them.
for _model in ["publishedfigure", "ombudsmanreviewletter"]:
    for _verb in ["view", "add", "change", "delete"]:
        rules.add_perm(f"complaints.{_verb}_{_model}", is_admin)
