"""Static files in production: every file hashed, compressed and cached as immutable.

WhiteNoise's CompressedManifestStaticFilesStorage names each file by its content's hash and
WhiteNoise serves such names with a far-future ``Cache-Control: max-age=315360000, public,
immutable``. Django leaves JavaScript modules' ``import`` statements alone unless asked, so the
portal's bundle went on importing ``./govuk-frontend.min.js`` by its plain name (served with a
60-second cache); here the imports of the modules the build writes (``dist/*.mjs``; their sources
live in ``frontend/``, outside ``static/``, and are never collected) are rewritten to the
hashed names too, with Django's own patterns for module imports.
Minified scripts (``*.js``) keep Django's default: only their source map comment is rewritten.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = (
        *CompressedManifestStaticFilesStorage.patterns,
        ("dist/*.mjs", CompressedManifestStaticFilesStorage._js_module_import_aggregation_patterns[1]),
    )
