"""Who may see and change meetings.

- Clerks and admins prepare agendas, build packs and publish them.
- Members, officers, approvers, clerks and admins read meetings and their Part 1 packs.
- The Part 2 pack (exempt items) reaches only clerks and admins.
- Scrutiny actions: clerks and admins record and edit them; the holders of an action's post (the
  officer responsible) read and answer their own; members read the actions of the committees they sit on
  (CommitteeMembership). Nobody else reaches them.
"""

import rules

from bromley_portal.accounts.rules import is_admin, is_approver, is_clerk, is_member, is_officer

edits = is_clerk | is_admin
reads = is_member | is_officer | is_approver | is_clerk | is_admin

rules.add_perm("meetings.view_meeting", reads)
rules.add_perm("meetings.add_meeting", edits)
rules.add_perm("meetings.change_meeting", edits)
rules.add_perm("meetings.publish_meeting", edits)
rules.add_perm("meetings.read_part_2", edits)


@rules.predicate
def sits_on_committee(user, committee) -> bool:
    """A member of ``committee`` (a Committee, or anything with a ``committee`` or ``meeting``)."""
    if committee is None or not user.is_authenticated:
        return False
    if hasattr(committee, "meeting"):
        committee = committee.meeting
    committee_id = getattr(committee, "committee_id", None) or committee.pk
    return user.committee_memberships.filter(committee_id=committee_id).exists()


@rules.predicate
def holds_the_post(user, action) -> bool:
    """The officer responsible: a holder of the action's post."""
    if action is None or not user.is_authenticated:
        return False
    return user.posts.filter(pk=action.post_id).exists()


rules.add_perm("meetings.record_action", edits)
rules.add_perm("meetings.change_scrutinyaction", edits)
rules.add_perm("meetings.view_committee_actions", edits | (is_member & sits_on_committee))
rules.add_perm("meetings.view_scrutinyaction", edits | (is_member & sits_on_committee) | holds_the_post)
rules.add_perm("meetings.answer_action", holds_the_post)
# The index of scrutiny actions: the committees a person may read, and the actions they answer.
rules.add_perm("meetings.view_action_index", edits | is_member | is_officer | is_approver)

rules.add_perm("meetings", is_admin)
for verb in ["view", "add", "change", "delete"]:  # admins say who sits on which committee
    rules.add_perm(f"meetings.{verb}_committeemembership", is_admin)
for model in ["agendaitem", "agendapack", "reportnumbersequence", "actionreminder"]:
    rules.add_perm(f"meetings.view_{model}", is_admin)
