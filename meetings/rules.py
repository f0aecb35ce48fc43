"""Who may see and change meetings.

- Clerks and admins prepare agendas, build packs and publish them.
- Members, officers, approvers, clerks and admins read meetings and their Part 1 packs.
- The Part 2 pack (exempt items) reaches only clerks and admins.
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

rules.add_perm("meetings", is_admin)
for model in ["agendaitem", "agendapack", "reportnumbersequence"]:
    rules.add_perm(f"meetings.view_{model}", is_admin)
