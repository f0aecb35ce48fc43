"""An update's figure for a measure of success, read in the measure's unit (plans.choices.FigureUnit).

``parse_figure`` is the one reading of what a lead types: "96%", "1,204", "£1.2m" become numbers a
dashboard can judge; "lots", "-5" for a count or "12/0" get a message saying what to type instead.
A qualitative measure (FigureUnit.TEXT) takes words and keeps no number.
"""

import re
from decimal import Decimal, InvalidOperation

from plans.choices import FigureUnit

_SCALES = {"k": Decimal(1_000), "m": Decimal(1_000_000), "bn": Decimal(1_000_000_000)}
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
# The biggest figure kept (MeasureFigure.number has 12 digits before the point).
LARGEST = Decimal("999999999999")

EXAMPLES = {
    FigureUnit.NUMBER: "a number, such as 1,204 or 3.5",
    FigureUnit.PERCENTAGE: "a percentage from 0 to 100, such as 96%",
    FigureUnit.COUNT: "a whole number, 0 or more, such as 1,204",
    FigureUnit.MONEY: "an amount in pounds, such as £1,250,000 or £1.2m",
}


class FigureError(ValueError):
    """What is wrong with a figure, in plain English, ready for the error summary."""


def unit_hint(unit: str) -> str:
    """The hint under a figure's field."""
    if unit == FigureUnit.TEXT:
        return "In words: this measure is not counted in numbers."
    return f"Enter {EXAMPLES[unit]}."


def _number(text: str, unit: str) -> Decimal:
    scale = Decimal(1)
    lowered = text.lower()
    if unit == FigureUnit.MONEY:
        lowered = lowered.replace("£", "", 1).strip()
        for suffix, factor in _SCALES.items():
            if lowered.endswith(suffix) and lowered[: -len(suffix)].strip():
                lowered, scale = lowered[: -len(suffix)].strip(), factor
                break
    if unit == FigureUnit.PERCENTAGE:
        lowered = lowered.removesuffix("%").strip()
    if "/" in lowered:
        raise FigureError("is a fraction or a date: enter {example}")
    if not _NUMBER.match(lowered):
        raise FigureError("is not a number: enter {example}")
    try:
        return Decimal(lowered.replace(",", "")) * scale
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise FigureError("is not a number: enter {example}") from None


def parse_figure(text: str, unit: str) -> Decimal | None:
    """The figure as a number in the measure's unit, or None for words (a qualitative measure) or
    nothing entered. Raises FigureError with the message's tail ("is not a number: enter ...")."""
    text = (text or "").strip()
    if not text or unit == FigureUnit.TEXT:
        return None
    example = EXAMPLES[unit]
    try:
        number = _number(text, unit)
    except FigureError as error:
        raise FigureError(str(error).format(example=example)) from None
    if abs(number) > LARGEST:
        raise FigureError(f"is too large: enter {example}")
    if unit == FigureUnit.COUNT and number != number.to_integral_value():
        raise FigureError(f"is not a whole number: enter {example}")
    if unit in (FigureUnit.COUNT, FigureUnit.MONEY) and number < 0:
        raise FigureError(f"cannot be less than 0: enter {example}")
    if unit == FigureUnit.PERCENTAGE and not 0 <= number <= 100:
        raise FigureError(f"must be between 0% and 100%: enter {example}")
    return number.quantize(Decimal("0.0001"))


def infer_unit(text: str, values=()) -> str:
    """A sensible unit for an existing measure of success, from its words and the figures already
    reported for it (the data migration's and the loaders' guess; an admin can change it).

    Words win when they are clear ("percentage", "%", "£", "number of"); otherwise the figures
    decide when every one reads as a number in one unit; otherwise it is a qualitative measure."""
    lowered = (text or "").lower()
    if "%" in lowered or "percentage" in lowered or "per cent" in lowered:
        return FigureUnit.PERCENTAGE
    if "£" in lowered or "budget" in lowered or "spend" in lowered or "savings" in lowered:
        return FigureUnit.MONEY
    if re.search(r"\b(number|numbers|count) of\b", lowered):
        return FigureUnit.COUNT
    values = [value.strip() for value in values if value and value.strip()]
    for unit in (FigureUnit.PERCENTAGE, FigureUnit.MONEY, FigureUnit.COUNT, FigureUnit.NUMBER):
        if values and all(_reads_as(value, unit) for value in values):
            if unit == FigureUnit.PERCENTAGE and not all(value.endswith("%") for value in values):
                continue
            if unit == FigureUnit.MONEY and not all(value.startswith("£") for value in values):
                continue
            return unit
    return FigureUnit.TEXT


def _reads_as(value: str, unit: str) -> bool:
    try:
        parse_figure(value, unit)
    except FigureError:
        return False
    return True
