"""The published figures load as measures and readings, cited, and dashboards can read them."""

from decimal import Decimal

import pytest

from ambitions.services import load_seed_strategy
from plans.choices import DataQuality, Rag
from plans.models import Measure, Reading
from plans.seeds import load_seed_measures, load_seed_plans
from tests.conftest import data_shared_by_a_module


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The seeds and their measures, loaded once for the module's read-only tests."""
    with data_shared_by_a_module(django_db_blocker):
        load_seed_strategy()
        load_seed_plans()
        yield load_seed_measures()


@pytest.fixture
def measures(loaded, db):
    return loaded


def test_at_least_a_dozen_measures_load_with_their_readings(measures):
    assert measures == Measure.objects.count() >= 12
    assert Reading.objects.count() >= 40
    assert load_seed_measures() == 0  # again: nothing new


def test_children_looked_after_compares_with_england_and_london(measures):
    reading = Reading.objects.get(measure__slug="cla-rate-per-10k", period__year=2021, period__quarter=4)
    assert (reading.actual, reading.england, reading.london) == (Decimal(43), Decimal(67), Decimal(47))
    # The source names the document by its title and date, not the extract's file name.
    assert reading.source.startswith(
        "Children, Education and Families PDS Committee agenda pack (17 November 2022)"
    )
    assert ".txt" not in reading.source
    assert reading.measure.format(reading.actual) == "43 per 10,000"


def test_a_measure_serves_actions_and_ambitions(measures):
    measure = Measure.objects.get(slug="cla-long-term-placement-stability")
    assert [ambition.number for ambition in measure.ambitions.all()] == [1]
    assert [action.reference for action in measure.actions.all()] == ["1.7"]


def test_the_foster_carer_target_is_missed(measures):
    measure = Measure.objects.get(slug="foster-carers-recruited")
    reading = measure.readings.get()
    assert measure.assess(reading).rag == Rag.RED  # 11 against a target of 20


def test_measures_without_targets_are_flagged(measures):
    measure = Measure.objects.get(slug="complaints-responded-on-time")
    assert DataQuality.NO_TARGET in measure.assess(measure.readings.last()).flags
