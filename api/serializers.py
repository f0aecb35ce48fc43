"""What the API gives for each thing: Part 1 fields only, never a person's name or e-mail, an
update's author, a contract's commentary or a complainant's details. Each figure is the one rule the
pages use: an action's update and RAG from ``Action.objects.for_lists`` (which reads
``QuarterlyUpdate.objects.reported()``), a reading's RAG and direction from ``Measure.assess``, a
contract's procurement status from ``Contract.objects.for_lists``."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.choices import Rag


def rag_label(value) -> str:
    return Rag(value).label if value in Rag.values else ""


class PortfolioSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AmbitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    short_name = serializers.CharField()
    statement = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    portfolio = PortfolioSerializer()
    year = serializers.IntegerField(
        help_text="The first calendar year of the financial year: 2023 for 2023-24."
    )
    year_label = serializers.CharField(help_text="As the council writes it: 2023-24.")
    title = serializers.CharField()
    action_count = serializers.IntegerField()


class PeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(source="__str__", help_text="2023-24 Q3")
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    opens_on = serializers.DateField()
    due_on = serializers.DateField()
    locks_on = serializers.DateField()
    status = serializers.CharField()


class ReportedUpdateSerializer(serializers.Serializer):
    """The update an action reports (approved, locked, or closed as not received), as amended."""

    period = serializers.CharField(source="period.__str__")
    period_id = serializers.IntegerField()
    rag = serializers.CharField(source="reported_rag")
    rag_label = serializers.SerializerMethodField()
    narrative = serializers.CharField(source="reported_narrative")

    def get_rag_label(self, update) -> str:
        return rag_label(update.reported_rag)


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="As committee papers cite it: 1.4")
    title = serializers.CharField()
    plan_id = serializers.IntegerField(source="section.plan_id")
    portfolio = serializers.CharField(source="section.plan.portfolio.code")
    year_label = serializers.CharField(source="section.plan.year_label")
    ambition = serializers.SerializerMethodField()
    target_date = serializers.DateField(allow_null=True)
    annual_programme = serializers.BooleanField()
    leads = serializers.SerializerMethodField(help_text="The posts that lead its details.")
    rag = serializers.CharField(
        source="shown_rag", help_text="The reported RAG of the update shown, or no-update when there is none."
    )
    rag_label = serializers.SerializerMethodField()
    latest_update = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_ambition(self, action):
        return action.section.ambition.number if action.section.ambition_id else None

    def get_leads(self, action) -> list[str]:
        return [lead.post.title for lead in action.leads]

    def get_rag_label(self, action) -> str:
        return rag_label(action.shown_rag)

    @extend_schema_field(ReportedUpdateSerializer(allow_null=True))
    def get_latest_update(self, action):
        update = action.shown_update
        return ReportedUpdateSerializer(update).data if update else None


class ReadingSerializer(serializers.Serializer):
    period = serializers.CharField(source="reading.period.__str__")
    period_id = serializers.IntegerField(source="reading.period_id")
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, source="reading.actual")
    target = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="reading.target", allow_null=True
    )
    england = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="reading.england", allow_null=True
    )
    london = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="reading.london", allow_null=True
    )
    statistical_neighbours = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="reading.statistical_neighbours", allow_null=True
    )
    definition_changed = serializers.BooleanField(source="reading.definition_changed")
    rag = serializers.CharField(source="assessment.rag", allow_null=True)
    direction = serializers.CharField(source="assessment.direction")


class MeasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    polarity = serializers.CharField()
    frequency = serializers.CharField()
    readings = ReadingSerializer(many=True, source="assessed_readings")


class ContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    council_id = serializers.CharField()
    title = serializers.CharField()
    supplier = serializers.CharField()
    portfolio = PortfolioSerializer()
    total_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    original_annual_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    current_annual_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    months_duration = serializers.IntegerField()
    capital = serializers.BooleanField()
    concern = serializers.BooleanField(help_text="Flagged as a contract of concern.")
    procurement_status = serializers.CharField(help_text="Today's, by the register's rule.")
    risk_index = serializers.IntegerField(allow_null=True)
    risk_level = serializers.CharField()


class DivisionStatisticsSerializer(serializers.Serializer):
    division = serializers.CharField(help_text="A division's name, or “All divisions” for the council.")
    complaints = serializers.IntegerField()
    aspects = serializers.IntegerField()
    fully_upheld = serializers.IntegerField()
    partially_upheld = serializers.IntegerField()
    not_upheld = serializers.IntegerField()
    complaints_on_time = serializers.IntegerField()
    ombudsman_received = serializers.IntegerField()
    ombudsman_decided = serializers.IntegerField()
    ombudsman_upheld = serializers.IntegerField()
    remedies_pounds = serializers.DecimalField(max_digits=14, decimal_places=2)
    compliments = serializers.IntegerField()


class ComplaintStatisticsSerializer(serializers.Serializer):
    year = serializers.CharField(help_text="The financial year: 2021-22.")
    divisions = DivisionStatisticsSerializer(many=True)
