from django.apps import AppConfig

from bromley_portal.core.navigation import Section

# Committee reports are at 80: meetings and their agenda packs follow them.
SECTIONS = [
    Section(
        "Meetings",
        "meetings:meeting_list",
        "meetings.view_meeting",
        order=85,
        description="Committee meetings, their agendas and their agenda packs.",
    ),
    Section(
        "Scrutiny actions",
        "meetings:action_index",
        "meetings.view_action_index",
        order=86,
        description="What committees asked officers to do, overdue first, and the officers' answers.",
        short_label="Scrutiny",
    ),
]


def load_demo_data(stdout):
    from meetings.demo import load_demo_meeting

    meeting, created = load_demo_meeting()
    stdout.write(f"  {meeting}: {'loaded' if created else 'already there'}")


def load_demo_actions(stdout):
    from meetings.demo import load_demo_actions

    count, created = load_demo_actions()
    stdout.write(
        f"  scrutiny actions of 17 November 2022: {count} {'loaded' if created else 'already there'}"
    )


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from bromley_portal.core.demo import register_demo_data
        from bromley_portal.core.navigation import register_section

        for section in SECTIONS:
            register_section(section)
        register_demo_data("Committee meetings", load_demo_data, order=80)
        register_demo_data("Scrutiny actions", load_demo_actions, order=81)
