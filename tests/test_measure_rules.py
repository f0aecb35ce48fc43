"""The measure rules: RAG against target with a tolerance, direction of travel, data-quality flags."""

from decimal import Decimal

import pytest

from plans.choices import DataQuality, Direction, MeasureUnit, Polarity, Rag
from plans.models import Measure, Reading


def measure(polarity=Polarity.HIGHER_IS_BETTER, tolerance="2"):
    return Measure(name="m", unit=MeasureUnit.PERCENTAGE, polarity=polarity, tolerance=Decimal(tolerance))


def reading(actual, target=None, definition_changed=False):
    return Reading(
        actual=Decimal(str(actual)),
        target=None if target is None else Decimal(str(target)),
        definition_changed=definition_changed,
    )


@pytest.mark.parametrize(
    ("actual", "target", "rag"),
    [(90, 90, Rag.GREEN), (95, 90, Rag.GREEN), (88, 90, Rag.AMBER), (87.99, 90, Rag.RED), (0, 0, Rag.GREEN)],
)
def test_higher_is_better(actual, target, rag):
    assert measure().assess(reading(actual, target)).rag == rag


@pytest.mark.parametrize(
    ("actual", "target", "rag"),
    [(9, 9, Rag.GREEN), (8, 9, Rag.GREEN), (10.7, 9, Rag.AMBER), (11.5, 9, Rag.RED)],
)
def test_lower_is_better(actual, target, rag):
    assert measure(Polarity.LOWER_IS_BETTER).assess(reading(actual, target)).rag == rag


def test_a_zero_target_uses_the_tolerance_as_an_amount():
    lower = measure(Polarity.LOWER_IS_BETTER, tolerance="1")
    assert lower.assess(reading(0, 0)).rag == Rag.GREEN
    assert lower.assess(reading(1, 0)).rag == Rag.AMBER
    assert lower.assess(reading(2, 0)).rag == Rag.RED


def test_zero_tolerance_makes_any_miss_red():
    assert measure(tolerance="0").assess(reading(89.9, 90)).rag == Rag.RED


def test_no_target_means_no_rag_and_a_flag():
    result = measure().assess(reading(43))
    assert result.rag is None
    assert result.flags == [DataQuality.NO_TARGET]


def test_no_reading_is_flagged():
    result = measure().assess(None)
    assert (result.rag, result.direction, result.flags) == (
        None,
        Direction.NOT_KNOWN,
        [DataQuality.NO_READING],
    )


@pytest.mark.parametrize(
    ("polarity", "before", "now", "direction"),
    [
        (Polarity.HIGHER_IS_BETTER, 70, 71, Direction.IMPROVING),
        (Polarity.HIGHER_IS_BETTER, 71, 70, Direction.WORSENING),
        (Polarity.LOWER_IS_BETTER, 10.7, 9.5, Direction.IMPROVING),
        (Polarity.LOWER_IS_BETTER, 9.5, 10.7, Direction.WORSENING),
        (Polarity.LOWER_IS_BETTER, 9.5, 9.5, Direction.NO_CHANGE),
        (Polarity.NEITHER, 40, 43, Direction.CHANGED),
    ],
)
def test_direction_of_travel_follows_polarity(polarity, before, now, direction):
    assert measure(polarity).assess(reading(now), reading(before)).direction == direction


def test_without_a_previous_reading_the_direction_is_not_known():
    assert measure().assess(reading(71, 70)).direction == Direction.NOT_KNOWN


def test_a_changed_definition_breaks_the_trend_and_is_flagged():
    result = measure().assess(reading(71, 70, definition_changed=True), reading(60))
    assert result.direction == Direction.NOT_KNOWN
    assert DataQuality.DEFINITION_CHANGED in result.flags


def test_a_measure_where_neither_direction_is_better_has_no_rag():
    assert measure(Polarity.NEITHER).assess(reading(43, 40)).rag is None


@pytest.mark.parametrize(
    ("unit", "value", "text"),
    [
        (MeasureUnit.PERCENTAGE, Decimal("59"), "59%"),
        (MeasureUnit.PERCENTAGE, Decimal("10.70"), "10.7%"),
        (MeasureUnit.RATE_PER_10K, Decimal("43"), "43 per 10,000"),
        (MeasureUnit.MONEY, Decimal("1250000"), "£1,250,000"),
        (MeasureUnit.NUMBER, Decimal("1204"), "1,204"),
        (MeasureUnit.NUMBER, None, "—"),
    ],
)
def test_values_are_written_as_the_council_writes_them(unit, value, text):
    assert Measure(unit=unit).format(value) == text


def test_an_estimated_figure_is_flagged():
    estimated = reading(80, 90)
    estimated.estimated = True
    assert DataQuality.ESTIMATED in measure().assess(estimated).flags
    assert DataQuality.ESTIMATED not in measure().assess(reading(80, 90)).flags


@pytest.mark.parametrize(
    ("frequency", "read_in", "as_at", "stale"),
    [
        ("quarterly", (2024, 2), (2024, 2), False),
        ("quarterly", (2024, 1), (2024, 2), False),  # last quarter's figure: figures come a quarter behind
        ("quarterly", (2023, 4), (2024, 2), True),  # two quarters behind: older than its frequency
        ("monthly", (2023, 4), (2024, 2), True),
        ("annual", (2023, 4), (2024, 3), False),  # three quarters on: still the latest year
        ("annual", (2023, 2), (2024, 3), True),  # five quarters on: a newer one was due
    ],
)
def test_a_reading_older_than_its_frequency_allows_is_flagged_stale(frequency, read_in, as_at, stale):
    from plans.models import ReportingPeriod

    subject = measure()
    subject.frequency = frequency
    old = reading(95, 90)
    old.period = ReportingPeriod(year=read_in[0], quarter=read_in[1])
    flags = subject.assess(old, period=ReportingPeriod(year=as_at[0], quarter=as_at[1])).flags
    assert (DataQuality.STALE in flags) == stale
    assert DataQuality.STALE not in subject.assess(old).flags  # not read as at a period: no judgement
