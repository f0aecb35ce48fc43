"""Statuses carry their own label, short label, colour and meaning beside the enum, one template tag
renders them, and no page or report compares a status as a raw string."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from bromley_portal.core.choices import (
    TAG_COLOURS,
    StatusChoices,
    _sets,
    register_status_set,
    status,
    status_set,
)
from bromley_portal.reports.choices import JobStatus
from plans.choices import PeriodStatus, Rag, UpdateStatus

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_every_status_set_is_registered_with_a_label_short_label_and_colour_for_each_member():
    assert {"rag", "update_status", "period_status", "job_status"} <= set(_sets)
    for name, choices in _sets.items():
        for member in choices:
            assert member.label and member.short_label, (name, member)
            assert member.colour in TAG_COLOURS, (name, member)
            assert member.hex_colour.startswith("#")


def test_a_member_is_still_its_stored_value():
    assert Rag.RED == "red" and Rag("red") is Rag.RED
    assert (Rag.RED.label, Rag.RED.short_label, Rag.RED.colour) == ("Red: off track", "Red", "red")
    assert PeriodStatus.LOCKED.short_label == "Locked"
    assert UpdateStatus.choices_of(*UpdateStatus.stored()) == [
        ("draft", "Draft"),
        ("submitted", "Submitted"),
        ("returned", "Returned"),
        ("approved", "Approved"),
        ("locked", "Locked"),
        ("not_received", "No update received"),
    ]
    assert JobStatus.FAILED.colour == "red"


def test_a_colour_that_is_not_a_govuk_tag_colour_is_refused():
    with pytest.raises(ValueError, match=r"not a GOV\.UK tag colour"):
        status("x", "X", colour="magenta")


def test_only_status_choices_can_be_registered_and_unknown_sets_are_named():
    with pytest.raises(TypeError):
        register_status_set("plain", int)
    with pytest.raises(LookupError, match="known sets are"):
        status_set("nope")


def render(source: str, **context) -> str:
    return Template("{% load status %}" + source).render(Context(context))


def test_the_tag_renders_the_label_and_colour_from_a_raw_value_or_a_member():
    assert render('{% status_tag value "rag" %}', value="amber") == (
        '<strong class="govuk-tag govuk-tag--orange app-status app-status--amber">Amber: at risk</strong>'
    )
    assert ">Amber<" in render('{% status_tag value "rag" short=True %}', value="amber")
    assert ">Locked for committee<" in render("{% status_tag value %}", value=PeriodStatus.LOCKED)
    assert render('{% status_tag value "rag" %}', value="") == "—"
    assert render('{% status_label value "update_status" short=True %}', value="submitted") == "Submitted"


def test_the_label_is_escaped_when_given():
    assert "&lt;b&gt;" in render('{% status_tag value "rag" label=words %}', value="red", words="<b>")


# Status names in templates compared as strings, e.g. {% if update.status == "locked" %}.
RAW_COMPARISON = re.compile(r"""(status|rag|reported_rag|shown_rag)\s*(==|!=)\s*["']""")


def test_no_template_compares_a_status_as_a_raw_string():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if RAW_COMPARISON.search(line)
    ]
    assert offenders == []


def test_statuses_are_choice_sets_not_plain_text_choices():
    for choices in (Rag, UpdateStatus, PeriodStatus, JobStatus):
        assert issubclass(choices, StatusChoices)
