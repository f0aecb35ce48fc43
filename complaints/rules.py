"""Who may do what with complaints.

Complaints officers (the Customer Engagement & Complaints Service) and admins do the case work and see
the cases. Complainants' personal details (contact details, the summary of what they said) are Part 2
material with a permission of their own, ``complaints.view_complainant``: complaints officers and admins
only; they never reach a list export, dashboard or report. Every role, members included, sees the
anonymous statistics (counts, rates, the annual report).
"""

import rules

from bromley_portal.accounts.rules import is_admin, is_any_role, is_complaints_officer

does_case_work = is_complaints_officer | is_admin

# The anonymous figures: dashboards, the annual report, drill-downs without personal details.
rules.add_perm("complaints.view_statistics", is_any_role)
# Cases: the caseload and each case's page (without personal details unless view_complainant).
rules.add_perm("complaints.view_complaint", does_case_work)
# Case work: log, acknowledge, assign, extend, record responses, escalate, close.
rules.add_perm("complaints.handle_complaint", does_case_work)
rules.add_perm("complaints.view_complainant", does_case_work)
# Ombudsman cases, remedies and compliments are kept by the complaints team.
rules.add_perm("complaints.view_ombudsmancase", does_case_work)
rules.add_perm("complaints.handle_ombudsmancase", does_case_work)
rules.add_perm("complaints.record_remedy", does_case_work)
rules.add_perm("complaints.record_compliment", does_case_work)
# Importing the years before the portal from a workbook or CSV (complaints/import_views.py).
rules.add_perm("complaints.import_complaints", does_case_work)
# Erasing complainants' details ahead of the schedule (a subject's request, say).
rules.add_perm("complaints.erase_complainant", is_admin)

# The Django admin: admins keep divisions and services and may correct records.
rules.add_perm("complaints", is_admin)
for model in [
    "division",
    "service",
    "complainant",
    "complaint",
    "extension",
    "mention",
    "aspect",
    "ombudsmancase",
    "ombudsmandeadline",
    "remedy",
    "compliment",
    "complaintreminder",
]:
    # complaints.view_complainant (above) is also the admin's view permission for Complainant.
    if model not in {"complaint", "ombudsmancase", "complainant"}:
        rules.add_perm(f"complaints.view_{model}", is_admin)
    for verb in ["add", "change", "delete"]:
        rules.add_perm(f"complaints.{verb}_{model}", is_admin)
