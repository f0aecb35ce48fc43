"""``core.bulk``: the imports' COPY writes (issue 17). New rows and changed rows must land as the ORM
would write them, with django-simple-history's records, in a fixed number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from bromley_portal.core.bulk import copy_create, copy_update
from plans.models import ActionDetail
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.django_db


def test_copy_update_writes_the_fields_and_their_history_in_fixed_queries():
    admin = make_user(Role.ADMIN)
    plan = make_plan(actions=3)
    make_plan(code="ECS", actions=2)
    details = list(ActionDetail.objects.filter(action__section__plan=plan).order_by("pk"))
    untouched = {
        d.pk: (d.text, d.target_date) for d in ActionDetail.objects.exclude(action__section__plan=plan)
    }
    for index, detail in enumerate(details):
        detail.text = f'Changed text {index}, with a comma, a "quote" and a\ttab'
        detail.target_date = date(2031, 3, index + 1)
        detail.annual_programme = index % 2 == 0
    with CaptureQueriesContext(connection) as few:
        copy_update(ActionDetail, details[:2], ["text", "target_date", "annual_programme"],
                    history_reason="Imported", history_user=admin)  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        copy_update(ActionDetail, details, ["text", "target_date", "annual_programme"],
                    history_reason="Imported", history_user=admin)  # fmt: skip
    assert len(few) == len(many)

    for index, detail in enumerate(details):
        saved = ActionDetail.objects.get(pk=detail.pk)
        assert (saved.text, saved.target_date, saved.annual_programme) == (
            detail.text, date(2031, 3, index + 1), index % 2 == 0,
        )  # fmt: skip
        last = saved.history.order_by("-history_id").first()
        assert (last.history_type, last.history_change_reason, last.history_user) == ("~", "Imported", admin)
        assert (last.text, last.target_date) == (saved.text, saved.target_date)
    others = ActionDetail.objects.exclude(action__section__plan=plan)
    assert {d.pk: (d.text, d.target_date) for d in others} == untouched


def test_copy_update_with_no_fields_records_the_change_only():
    admin = make_user(Role.ADMIN)
    details = list(ActionDetail.objects.filter(action__section__plan=make_plan(actions=1)))
    before = [ActionDetail.history.filter(id=d.pk).count() for d in details]
    details[0].text = "Not written"
    copy_update(ActionDetail, details, [], history_reason="Recorded", history_user=admin)
    assert [ActionDetail.history.filter(id=d.pk).count() for d in details] == [n + 1 for n in before]
    assert ActionDetail.objects.get(pk=details[0].pk).text != "Not written"


def test_copy_update_refuses_what_is_not_a_column():
    post = Post.objects.create(title="Head of Columns")
    with pytest.raises(ValueError, match="own columns"):
        copy_update(Post, [post], ["holders"])
    with pytest.raises(ValueError, match="own columns"):
        copy_update(Post, [post], ["id"])


def test_copy_create_gives_keys_and_history():
    admin = make_user(Role.ADMIN)
    posts = copy_create(Post, [Post(title=f"Head of Copy {n}") for n in range(3)],
                        history_reason="Imported", history_user=admin)  # fmt: skip
    assert all(post.pk for post in posts)
    for post in posts:
        assert Post.objects.get(pk=post.pk).title == post.title
        record = Post.history.get(id=post.pk)
        assert (record.history_type, record.history_change_reason, record.history_user) == (
            "+",
            "Imported",
            admin,
        )
    with pytest.raises(ValueError, match="one history_reason"):
        stamped = Post(title="Head of Reasons")
        stamped._change_reason = "Another reason"
        copy_create(Post, [stamped], history_reason="Imported")


def test_copy_create_history_holds_what_the_table_holds_escaped_values_and_excluded_fields_too():
    """On PostgreSQL the history is the table's COPY text with the history's columns added to each line
    (and the columns history leaves out, Complaint.summary, taken out): values COPY escapes (tab, newline,
    backslash) must come back as they went in, in the table and in its history alike."""
    from complaints.models import Complaint

    odd = "Tab\there, a new\nline, a back\\slash and \\N"
    complaints = copy_create(
        Complaint,
        [
            Complaint(reference=f"R{n}\t{odd}"[:30], received=date(2024, 4, n + 1), channel="email",
                      procedure="corporate", stage=1, summary=f"{odd} {n}", acknowledge_by=date(2024, 4, 9),
                      respond_by=date(2024, 5, 9))
            for n in range(3)
        ],
        history_reason="Imported",
    )  # fmt: skip
    tracked = [f.attname for f in Complaint.history.model.tracked_fields]
    assert "summary" not in tracked
    for complaint in complaints:
        saved = Complaint.objects.get(pk=complaint.pk)
        assert saved.summary == complaint.summary and saved.reference == complaint.reference
        record = Complaint.history.get(id=complaint.pk)
        assert (record.history_type, record.history_change_reason) == ("+", "Imported")
        assert {name: getattr(record, name) for name in tracked} == {
            name: getattr(saved, name) for name in tracked
        }


def test_any_of_finds_what_in_finds():
    """core.bulk.AnyOf: ``= ANY(array)`` on PostgreSQL, ``IN`` elsewhere, the same rows either way."""
    from django.db.models import F

    from bromley_portal.core.bulk import AnyOf

    titles = [f"Head of Lists {n}" for n in range(5)]
    for title in titles:
        Post.objects.create(title=title)
    wanted = [*titles[1:4], "Not a post", "O'Brien, with a quote"]
    found = set(Post.objects.filter(AnyOf(F("title"), wanted)).values_list("title", flat=True))
    assert (
        found
        == set(Post.objects.filter(title__in=wanted).values_list("title", flat=True))
        == set(titles[1:4])
    )
    assert not Post.objects.filter(AnyOf(F("title"), []))
