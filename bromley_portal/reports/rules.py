"""Who may ask for, read and look after committee reports.

- Clerks and admins ask for reports, retry failed ones and publish finished ones as
  committee papers.
- Members, officers, approvers, clerks and admins read (download) Part 1 reports.
- Part 2 (exempt) reports reach only clerks and admins.
- Complaints and contracts officers, and people with no role, reach no report.

Views check ``reports.download_report`` with the job, so Part 2 is refused again at
download time, whatever link someone followed.
"""

import rules

from bromley_portal.accounts.rules import is_admin, is_approver, is_clerk, is_member, is_officer
from bromley_portal.reports.choices import Classification

can_request = is_clerk | is_admin
reads_part_1 = is_member | is_officer | is_approver | is_clerk | is_admin
reads_part_2 = is_clerk | is_admin


@rules.predicate
def is_part_2(user, job):
    return job is not None and job.classification == Classification.PART_2


rules.add_perm("reports.view_reports", reads_part_1)
rules.add_perm("reports.request_report", can_request)
rules.add_perm("reports.read_part_1", reads_part_1)
rules.add_perm("reports.read_part_2", reads_part_2)
rules.add_perm("reports.download_report", (reads_part_1 & ~is_part_2) | reads_part_2)
rules.add_perm("reports.retry_report", can_request & ((reads_part_1 & ~is_part_2) | reads_part_2))
rules.add_perm("reports.publish_report", can_request)

# The Django admin: admins see and tidy the jobs.
rules.add_perm("reports", is_admin)
rules.add_perm("reports.view_reportjob", is_admin)
rules.add_perm("reports.change_reportjob", is_admin)
rules.add_perm("reports.delete_reportjob", is_admin)
