"""The corporate strategy and the council's structure that every other app builds on.

Portfolio, Committee and Post live here rather than in ``plans`` because the
contract register and complaints use them too, and dependencies point one way:
``plans``, ``contracts`` and ``complaints`` may use ``ambitions``, never each other.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Strategy(models.Model):
    """A corporate strategy, e.g. "Making Bromley Even Better" 2021-2031."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    start_year = models.PositiveSmallIntegerField()
    end_year = models.PositiveSmallIntegerField()
    vision = models.TextField()
    values = models.JSONField(default=list, blank=True, help_text="The strategy's values, one per item.")
    partners = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="The document it was taken from.")

    class Meta:
        verbose_name_plural = "strategies"
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gt=models.F("start_year")), name="strategy_years_in_order"
            )
        ]

    def __str__(self):
        return f"{self.title} {self.period}"

    def get_absolute_url(self):
        return reverse("ambitions:strategy")

    @property
    def period(self) -> str:
        return f"{self.start_year}-{self.end_year}"


class Ambition(models.Model):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="ambitions")
    number = models.PositiveSmallIntegerField()
    short_name = models.CharField(max_length=100)
    statement = models.TextField()
    introduction = models.TextField(blank=True)
    where_we_are_now = models.TextField(blank=True)

    class Meta:
        ordering = ["strategy", "number"]
        constraints = [models.UniqueConstraint(fields=["strategy", "number"], name="one_ambition_per_number")]

    def __str__(self):
        return f"Ambition {self.number}: {self.short_name}"

    def get_absolute_url(self):
        return reverse("ambitions:ambition", args=[self.number])

    def commitment_groups(self) -> list[tuple[str, list["Commitment"]]]:
        """Commitments grouped under the sentences that introduce them ("... we will:")."""
        groups: list[tuple[str, list[Commitment]]] = []
        for commitment in self.commitments.all():
            if commitment.lead_in or not groups:
                groups.append((commitment.lead_in, []))
            groups[-1][1].append(commitment)
        return groups


class Commitment(models.Model):
    """One of an ambition's "What we will do" items."""

    ambition = models.ForeignKey(Ambition, on_delete=models.CASCADE, related_name="commitments")
    number = models.PositiveSmallIntegerField()
    title = models.TextField(help_text="Its bold heading in the strategy.")
    description = models.TextField()
    lead_in = models.TextField(
        blank=True,
        help_text='The sentence that introduces a group of commitments ("... we will:").',
    )

    class Meta:
        ordering = ["ambition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["ambition", "number"], name="one_commitment_per_number")
        ]

    def __str__(self):
        return f"{self.ambition.number}.{self.number} {self.description[:80]}"


class OutcomeTheme(models.Model):
    """A theme of the ambitions framework, e.g. "A good start to life"."""

    ambition = models.ForeignKey(Ambition, on_delete=models.CASCADE, related_name="outcome_themes")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    items = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["ambition", "order"]

    def __str__(self):
        return self.name


class KeyStrategy(models.Model):
    """A key document and the ambitions it supports (the strategy's tick matrix)."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="key_strategies")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    ambitions = models.ManyToManyField(Ambition, related_name="key_strategies", blank=True)

    class Meta:
        verbose_name_plural = "key strategies"
        ordering = ["strategy", "order"]

    def __str__(self):
        return self.name


class Committee(models.Model):
    """A committee, e.g. the Children, Education and Families PDS Committee."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Portfolio(models.Model):
    """One of the council's six portfolios, each scrutinised by a PDS committee."""

    code = models.CharField(max_length=10, unique=True, help_text="e.g. CEF")
    name = models.CharField(max_length=200, unique=True)
    pds_committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="portfolios")
    portfolio_holder = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    chief_officer = models.ForeignKey(
        "Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The director whose name goes in the Chief Officer box of the portfolio's committee reports.",
    )
    report_contact = models.ForeignKey(
        "Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The post that answers members' questions on the portfolio's reports (the Contact Officer).",
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Post(models.Model):
    """A role title that people hold, e.g. "Director Education"."""

    title = models.CharField(max_length=200, unique=True)
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    holders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="posts", blank=True)
    history = HistoricalRecords(m2m_fields=[holders])

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title
