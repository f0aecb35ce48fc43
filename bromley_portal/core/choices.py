"""Statuses that carry their own label, short label, colour and meaning, beside the enum.

As NetBox's choice sets keep a colour with each choice, every status in the portal is a
``StatusChoices`` whose members are written with :func:`status`::

    class PeriodStatus(StatusChoices):
        PLANNED = status("planned", "Not open yet", colour="grey")
        OPEN = status("open", "Open for updates", short="Open", colour="green")

Each member is still a plain ``TextChoices`` member (``PeriodStatus.OPEN == "open"``, its
``label``), and also has ``short_label``, ``colour`` (a GOV.UK Frontend tag colour, which
the print stylesheet and the charts map to their own colours) and ``description`` (what it
means, for keys and legends). One template tag renders any of them:
``{% status_tag period.status "period_status" %}`` (bromley_portal.core.templatetags.status).
Sets are found by name through :func:`status_set`, so templates never compare raw strings.
"""

from dataclasses import dataclass

from django.db import models

# GOV.UK Frontend 5 tag colours (govuk-tag--<name>), and the strong colour each stands
# for in charts and in print, with at least 3:1 contrast against white.
TAG_COLOURS = {
    "grey": "#505a5f",
    "green": "#00703c",
    "turquoise": "#28a197",
    "blue": "#1d70b8",
    "light-blue": "#5694ca",
    "purple": "#4c2c92",
    "pink": "#d53880",
    "red": "#d4351c",
    "orange": "#b25c00",
    "yellow": "#ffdd00",
}


@dataclass(frozen=True)
class _Style:
    short_label: str
    colour: str
    description: str


def status(value: str, label: str, *, short: str = "", colour: str = "grey", description: str = ""):
    """A member of a StatusChoices: its stored value, label, short label, colour and meaning."""
    if colour not in TAG_COLOURS:
        raise ValueError(f"{colour!r} is not a GOV.UK tag colour: use one of {', '.join(TAG_COLOURS)}")
    return (value, _Style(short or label, colour, description), label)


class StatusChoices(models.TextChoices):
    """TextChoices whose members are written with :func:`status` (see the module docstring)."""

    def __new__(cls, value, style=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._style_ = style
        return member

    @property
    def short_label(self) -> str:
        return self._style_.short_label if self._style_ else self.label

    @property
    def colour(self) -> str:
        return self._style_.colour if self._style_ else "grey"

    @property
    def hex_colour(self) -> str:
        return TAG_COLOURS[self.colour]

    @property
    def description(self) -> str:
        return self._style_.description if self._style_ else ""

    @classmethod
    def choices_of(cls, *members) -> list[tuple[str, str]]:
        """Model or form choices limited to some members (e.g. the statuses a row can hold)."""
        return [(member.value, member.label) for member in members]


_sets: dict[str, type[StatusChoices]] = {}


def register_status_set(name: str, choices: type[StatusChoices]) -> type[StatusChoices]:
    """Make a status set known to templates by name: ``{% status_tag value "<name>" %}``."""
    if not issubclass(choices, StatusChoices):
        raise TypeError(f"{choices!r} is not a StatusChoices")
    _sets[name] = choices
    return choices


def status_set(name: str) -> type[StatusChoices]:
    try:
        return _sets[name]
    except KeyError:
        raise LookupError(
            f"No status set called {name!r}: known sets are {', '.join(sorted(_sets))}"
        ) from None
