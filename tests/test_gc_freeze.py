"""Web and Celery worker processes move what they loaded out of the garbage collector's full
collections once, after loading (gc.freeze): a collection then walks what a request or a report made,
not the whole framework (bench/run.py found one request in fifteen slowed by 100 ms without it)."""

import gc
import weakref

from celery.signals import worker_process_init

from bromley_portal.celery import freeze_loaded_worker


def test_each_celery_worker_process_freezes_what_it_loaded():
    connected = [
        ref() if isinstance(ref, weakref.ReferenceType) else ref for _, ref in worker_process_init.receivers
    ]
    assert freeze_loaded_worker in connected
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        freeze_loaded_worker(sender=None)
        assert gc.get_freeze_count() > 10_000  # Django, the apps, Celery: far more than a handful
    finally:
        gc.unfreeze()


def test_each_web_worker_freezes_the_loaded_portal():
    from bromley_portal.wsgi import freeze_loaded_portal

    gc.unfreeze()
    try:
        freeze_loaded_portal()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
