"""The migrations that fill the stored counts (plans 0013, complaints 0007) call today's counting code only on
a database that has something to count: migrating a new database (a developer's, CI's, the tests') never reads
the schema as it was at that migration with code written for a later one."""

import importlib
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from plans.models import PeriodCount, ReportingPeriod
from tests.factories import make_complaint, make_plan, make_user

pytestmark = pytest.mark.django_db


def fill(app: str, name: str) -> int:
    """Run the migration's fill with the models as they were at it; the queries it made."""
    apps = MigrationLoader(connection).project_state((app, name)).apps
    migration = importlib.import_module(f"{app}.migrations.{name}")
    with CaptureQueriesContext(connection) as queries:
        migration.fill(apps, None)
    return len(queries)


def test_plans_counts_are_filled_only_where_there_is_a_period():
    assert fill("plans", "0013_stored_counts") == 1  # is there a reporting period? no: nothing else
    make_plan(year=2024, actions=2)
    period = ReportingPeriod.objects.create(
        year=2024, quarter=1, status="open", **ReportingPeriod.default_dates(2024, 1)
    )
    PeriodCount.objects.all().delete()
    assert fill("plans", "0013_stored_counts") > 1
    assert PeriodCount.objects.filter(period=period).exists()


def test_complaints_counts_are_filled_only_where_there_is_a_complaint():
    from complaints.models import ComplaintYearCount

    assert fill("complaints", "0007_stored_yearly_counts") == 1
    make_complaint(make_user("Complaints officer", username="cora"), received=date(2025, 10, 1))
    ComplaintYearCount.objects.all().delete()
    assert fill("complaints", "0007_stored_yearly_counts") > 1
    assert ComplaintYearCount.objects.exists()
