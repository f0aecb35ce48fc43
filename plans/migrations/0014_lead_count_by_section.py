import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """Count again, by section, with the one function that counts (plans.counts): the stored counts are
    derived data (see 0013_stored_counts)."""
    from plans.counts import refresh_all

    refresh_all()


class Migration(migrations.Migration):
    """LeadCount by section too: the rows are derived, so the table is made again and refilled."""

    dependencies = [
        ("plans", "0013_stored_counts"),
    ]

    operations = [
        migrations.DeleteModel(name="LeadCount"),
        migrations.CreateModel(
            name="LeadCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "lead_posts",
                    models.TextField(
                        blank=True, help_text="The ids of the posts leading its details, in order."
                    ),
                ),
                ("unled", models.BooleanField(help_text="A detail without a lead, or no detail at all.")),
                ("status", models.CharField(max_length=20)),
                ("n", models.PositiveIntegerField()),
                (
                    "period",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="plans.reportingperiod",
                    ),
                ),
                (
                    "section",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="plans.plansection",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("period", "section", "lead_posts", "unled", "status"),
                        name="one_lead_count_per_kind",
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
