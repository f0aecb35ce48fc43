from django.apps import AppConfig


def load_demo_data(stdout):
    from meetings.demo import load_demo_meeting

    meeting, created = load_demo_meeting()
    stdout.write(f"  {meeting}: {'loaded' if created else 'already there'}")


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from bromley_portal.core.demo import register_demo_data

        # The clerk's pages (and SECTIONS in the navigation) come with the next step.
        register_demo_data("Committee meetings", load_demo_data, order=80)
