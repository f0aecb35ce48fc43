from django.apps import AppConfig

from bromley_portal.core.navigation import Section

SECTIONS = [
    Section(
        "Meetings",
        "meetings:meeting_list",
        "meetings.view_meeting",
        order=85,
        description="Committee meetings, their agendas and agenda packs.",
    ),
]


def load_demo_data(stdout):
    from meetings.demo import load_demo_meeting

    meeting, created = load_demo_meeting()
    stdout.write(f"  {meeting}: {'loaded' if created else 'already there'}")


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from bromley_portal.core.demo import register_demo_data
        from bromley_portal.core.navigation import register_section

        del (
            register_section,
            register_demo_data,
        )  # the pages and the demo meeting come next("Committee meetings", load_demo_data, order=80)
