"""The Celery application.

Redis is the broker (``REDIS_URL``); with none set, tasks run inline. Settings,
the beat schedule and the queue routes are in ``settings.py`` under ``CELERY_``.
Tasks take ids, never objects, are serialised as JSON, and are enqueued after the
transaction commits (``task.delay_on_commit``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bromley_portal.settings")

app = Celery("bromley_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
