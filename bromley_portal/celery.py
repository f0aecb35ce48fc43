"""The Celery application.

Redis is the broker (``REDIS_URL``); with none set, tasks run inline. Settings,
the beat schedule and the queue routes are in ``settings.py`` under ``CELERY_``.
Tasks take ids, never objects, are serialised as JSON, and are enqueued after the
transaction commits (``task.delay_on_commit``).
"""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bromley_portal.settings")

app = Celery("bromley_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def freeze_loaded_worker(**_) -> None:
    """In each worker process, once the tasks (and with them Django and the apps) are loaded: move what
    every task shares out of the cyclic garbage collector's sight, as each web worker does
    (bromley_portal.wsgi.freeze_loaded_portal). A report's render makes millions of objects, and each
    full collection it triggers then walks those, not the whole framework as well."""
    gc.collect()
    gc.freeze()
