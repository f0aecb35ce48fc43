import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bromley_portal.settings")

application = get_wsgi_application()


def freeze_loaded_portal() -> None:
    """Move what every request shares (Django, the apps, their models, forms and views, loaded with the URLconf)
    out of the cyclic garbage collector's sight (``gc.freeze``), once each worker has loaded the portal. A full
    collection then walks only what requests made, not the whole framework: it had cost a page an occasional
    100 ms, more often the more objects the page made. Nothing frozen is ever freed, and none of it needs to be.
    bench/run.py does the same before it times any page."""
    import_module(settings.ROOT_URLCONF)
    gc.collect()
    gc.freeze()


freeze_loaded_portal()
