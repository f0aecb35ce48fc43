from bromley_portal.core.stored_counts import CheckCountsCommand
from plans import counts


class Command(CheckCountsCommand):
    help = (
        "Recount every reporting period and compare with the stored counts the periods list, the period "
        "overview, My actions and the dashboards read (plans.counts): report any difference and repair it. "
        "Exits with status 1 when a difference was found."
    )
    key_name = "period"

    def check_and_repair(self, repair: bool) -> list:
        return counts.check_and_repair(repair=repair)
