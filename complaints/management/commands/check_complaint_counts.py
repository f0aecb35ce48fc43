from bromley_portal.core.stored_counts import CheckCountsCommand
from complaints import counts


class Command(CheckCountsCommand):
    help = (
        "Recount every financial year's complaints and aspects and compare with the stored yearly counts the "
        "statistics dashboard reads (complaints.counts): report any difference and repair it. Exits with "
        "status 1 when a difference was found."
    )
    agree = "The stored complaint counts agree with what they count."
    key_name = "year"

    def check_and_repair(self, repair: bool) -> list:
        return counts.check_and_repair(repair=repair)
