"""E-mail that goes out at most once: the record that it was sent and the sending, in one transaction.

Every app's reminders send through ``send_once`` (plans.reminders, contracts.reminders): the app's
record has a unique constraint on what makes a reminder the same one (who, about what, for which
period or cycle), so a second run's record fails and nothing is sent again; an e-mail that fails to
send rolls its record back, so the next run tries again.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string


def send_once(record: Callable[[], object], person, template: str, context: dict) -> bool:
    """Call ``record()`` (which saves the app's reminder rows), then e-mail ``person`` from
    ``<template>_subject.txt`` and ``<template>.txt`` with ``context`` (plus ``person`` and
    ``base_url``), all in one transaction. False when the reminder was recorded already."""
    try:
        with transaction.atomic():
            record()
            context = {**context, "person": person, "base_url": settings.PORTAL_BASE_URL}
            subject = render_to_string(f"{template}_subject.txt", context).strip()
            body = render_to_string(f"{template}.txt", context)
            send_mail(subject, body, None, [person.email])
    except IntegrityError:
        return False
    return True
