from django.apps import AppConfig

from bromley_portal.core.navigation import Section

SECTIONS = [
    Section(
        "Complaints",
        "complaints:caseload",
        "complaints.view_complaint",
        order=40,
        description="The complaints caseload: what is due and overdue in working days; log and work cases.",
    ),
    Section(
        "Complaints statistics",
        "complaints:dashboard",
        "complaints.view_statistics",
        order=41,
        description="Complaints by division and channel over time, upheld and on-time rates, Ombudsman "
        "decisions and compliments, with the anonymised complaints behind each figure.",
        short_label="Complaint figures",
    ),
]


def load_demo_data(stdout):
    """The report's divisions and services (complaints.services.DIVISIONS); safe to run again."""
    from complaints.services import load_divisions

    divisions, services = load_divisions()
    if divisions or services:
        stdout.write(f"  complaints divisions: {divisions} loaded, with {services} services")
    else:
        stdout.write("  complaints divisions and services: already there")


def load_complaints_demo(stdout):
    from complaints.demo import load_demo_data as load

    load(stdout)


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Complaints"

    def ready(self):
        from bromley_portal.core.demo import register_demo_data
        from bromley_portal.core.navigation import register_section
        from bromley_portal.core.panels import register_linked
        from complaints.counts import connect_signals
        from complaints.panels import themes_for_portfolios

        register_linked("ambitions.portfolio", themes_for_portfolios)
        connect_signals()  # the stored yearly counts follow every save and deletion (complaints.counts)

        for section in SECTIONS:
            register_section(section)

        # Navigation (the caseload, dashboards) is registered with the pages that it opens.
        register_demo_data("Complaints divisions and services", load_demo_data, order=40)
        # The published figures, the 2021/22 case list and open cases (complaints/demo.py), after the divisions.
        register_demo_data("Complaints figures and cases", load_complaints_demo, order=41)
