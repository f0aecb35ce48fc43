"""A small council for the quarterly update workflow's integrity tests: CEF 2024-25 with three
actions led by Director Education; Olu holds that post (an officer); Grace approves for CEF; the
Director of CEF holds both roles, as the demo's does: the lead post of action 3 and an approver's
post for CEF. Q2 is open. Also the helpers that post what the pages' forms post."""

import re
from html import unescape

from django.urls import reverse

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from bromley_portal.accounts.services import assign_roles
from plans.models import Action, DetailLead, ReportingPeriod
from tests.conftest import PortalClient
from tests.factories import make_plan, make_user


def make_council(open_quarter=2) -> dict:
    plan = make_plan(year=2024, actions=3, lead="Director Education")
    education = Post.objects.get(title="Director Education")
    officer = make_user(Role.OFFICER, username="olu", first_name="Olu", last_name="Adeyemi")
    education.holders.add(officer)
    approver = make_user(Role.APPROVER, username="grace", first_name="Grace", last_name="Hopper")
    Post.objects.create(title="Assistant Director CEF", portfolio=plan.portfolio).holders.add(approver)
    director = make_user(Role.OFFICER, username="dana", first_name="Dana", last_name="Director")
    assign_roles(director, [Role.OFFICER, Role.APPROVER])
    director_post = Post.objects.create(title="Director CEF", portfolio=plan.portfolio)
    director_post.holders.add(director)
    actions = list(Action.objects.filter(section__plan=plan).order_by("number"))
    # The director leads action 3 (beside Director Education), so they write its update.
    detail = actions[2].details.order_by("order").first()
    DetailLead.objects.create(detail=detail, order=2, post=director_post)
    period = ReportingPeriod.objects.create(
        year=2024, quarter=open_quarter, status="open", **ReportingPeriod.default_dates(2024, open_quarter)
    )
    return {
        "plan": plan,
        "actions": actions,
        "action": actions[0],
        "period": period,
        "officer": officer,
        "approver": approver,
        "director": director,
        "clerk": make_user(Role.CLERK, username="dev", first_name="Dev", last_name="Clerk"),
        "member": make_user(Role.MEMBER, username="sam", first_name="Sam", last_name="Member"),
    }


def signed_in(user) -> PortalClient:
    client = PortalClient()
    client.force_login(user)
    return client


def text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def update_url(action, period) -> str:
    return reverse("plans:update", args=[action.pk, period.pk])


def update_form(action, version=0, **overrides) -> dict:
    data = {"version": str(version), "rag": "green", "narrative": "Going well", "evidence_links": ""}
    data.update({f"figure_{m.pk}": "" for m in action.measures_of_success.all()})
    data.update(overrides)
    return data


def decision(update, version=None, comment=None) -> dict:
    """What the queue's approve and return forms post: the version read, and a comment to return."""
    version = update.version if version is None else version
    posted = {f"decide-{update.pk}-version": str(version), f"return-{update.pk}-version": str(version)}
    if comment is not None:
        posted[f"return-{update.pk}-comment"] = comment
    return posted
