"""The portal's settings for the tests: bromley_portal.settings, with a secret key of their own.

The tests run with DEBUG off, as production does, and with DEBUG off the settings refuse the demo
key. pytest-django reads the settings before any conftest, so the key is made here: a random one
per run, in the environment, so the Celery workers and manage.py processes the tests start get it too.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from bromley_portal.settings import *  # noqa: F403
