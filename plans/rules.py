"""Who may do what with plans and quarterly updates.

Roles say what kind of person someone is; the object rules say which actions and
portfolios are theirs: an officer writes updates for the actions whose lead post
they hold (or that a post holder delegated to them); an approver signs off updates
for the portfolios of the posts they hold. When an update may move (its status, the
period being open) is the workflow's business, in ``plans.services``.
"""

import rules

from bromley_portal.accounts.rules import (
    is_admin,
    is_any_role,
    is_approver,
    is_clerk,
    is_officer,
    is_staff_reader,
)


def post_ids_for(user) -> frozenset[int]:
    """The posts whose actions this person reports on: held or delegated to them (cached per request)."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_plans_post_ids"):
        from plans.models import Delegation

        held = set(user.posts.values_list("pk", flat=True))
        delegated = set(Delegation.objects.filter(delegate=user).values_list("post_id", flat=True))
        user._plans_post_ids = frozenset(held | delegated)
    return user._plans_post_ids


def approver_portfolio_ids(user) -> frozenset[int]:
    """The portfolios of the posts this person holds (cached per request)."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_plans_portfolio_ids"):
        ids = user.posts.exclude(portfolio=None).values_list("portfolio_id", flat=True)
        user._plans_portfolio_ids = frozenset(ids)
    return user._plans_portfolio_ids


def page_scope(user) -> tuple:
    """What, besides their roles, decides what this person sees on the plans' pages: the posts whose
    actions they report on and the portfolios they approve (bromley_portal.core.pagecache's key)."""
    if not hasattr(user, "_plans_portfolio_ids"):  # the posts held, read once for both
        held = list(user.posts.values_list("pk", "portfolio_id"))
        user._plans_portfolio_ids = frozenset(portfolio for _, portfolio in held if portfolio is not None)
        if not hasattr(user, "_plans_post_ids"):
            from plans.models import Delegation

            delegated = Delegation.objects.filter(delegate=user).values_list("post_id", flat=True)
            user._plans_post_ids = frozenset({pk for pk, _ in held} | set(delegated))
    return tuple(sorted(post_ids_for(user))), tuple(sorted(approver_portfolio_ids(user)))


def _action_of(obj):
    return getattr(obj, "action", obj)


@rules.predicate
def leads_action(user, obj):
    if obj is None:
        return False
    return bool(_action_of(obj).lead_post_ids & post_ids_for(user))


@rules.predicate
def wrote_update(user, obj):
    """The person wrote or submitted this update (created it, submitted it, or saved it as its
    lead: QuarterlyUpdate.author_ids). Separation of duties: nobody approves, returns or amends
    their own update, whatever roles they hold."""
    if obj is None or not hasattr(obj, "author_ids") or not user.is_authenticated:
        return False
    return user.pk in obj.author_ids()


@rules.predicate
def approves_portfolio(user, obj):
    if obj is None:
        return False
    return _action_of(obj).section.plan.portfolio_id in approver_portfolio_ids(user)


# Members and officers (every role) read plans; admins edit and import them.
for model in [
    "portfolioplan",
    "plansection",
    "action",
    "actiondetail",
    "detaillead",
    "measureofsuccess",
    "reportingperiod",
]:
    rules.add_perm(f"plans.view_{model}", is_any_role)
    for verb in ["add", "change", "delete"]:
        rules.add_perm(f"plans.{verb}_{model}", is_admin)
for model in ["quarterlyupdate", "updatenote", "delegation", "measurefigure", "amendment", "reminder"]:
    rules.add_perm(f"plans.view_{model}", is_admin)
rules.add_perm("plans.change_delegation", is_admin)
rules.add_perm("plans.add_delegation", is_admin)
rules.add_perm("plans.delete_delegation", is_admin)
rules.add_perm("plans.import_plan", is_admin)
rules.add_perm("plans", is_admin)

# Dashboards and measures: everyone with a role reads them.
rules.add_perm("plans.view_dashboards", is_any_role)
for model in ["measure", "reading"]:
    rules.add_perm(f"plans.view_{model}", is_any_role)
    for verb in ["add", "change", "delete"]:
        rules.add_perm(f"plans.{verb}_{model}", is_admin)

# Quarterly updates.
rules.add_perm("plans.view_updates", is_any_role)
rules.add_perm("plans.view_unapproved_updates", is_staff_reader)
rules.add_perm("plans.edit_update", is_officer & leads_action)
# Separation of duties: approving, returning and amending are for someone other than its author.
rules.add_perm("plans.approve_update", is_approver & approves_portfolio & ~wrote_update)
rules.add_perm("plans.amend_update", (is_clerk | (is_approver & approves_portfolio)) & ~wrote_update)
# An action reported Complete is asked for updates again once its lead or an approver reopens it.
rules.add_perm("plans.reopen_action", (is_officer & leads_action) | (is_approver & approves_portfolio))
rules.add_perm("plans.view_my_actions", is_officer)
rules.add_perm("plans.view_approval_queue", is_approver)
rules.add_perm("plans.manage_periods", is_clerk)
rules.add_perm("plans.view_period_overview", is_clerk | is_admin)
