# The Bromley Portal image: one image for the web server, the Celery worker and
# Celery beat (docker-compose.yml picks the command). Configuration comes from the
# environment at run time (see bromley_portal/settings.py and .env.example); no
# secret is baked into the image.

# --- 1. Front-end build: Node exists only in this stage --------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# frontend/build.mjs reads frontend/src and frontend/images and writes static/dist; only
# static/dist leaves this stage.
COPY frontend/ frontend/
RUN npm run build

# --- 2. The runtime image ---------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's native libraries and the fonts the PDFs use (the same list as .ci/run).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. Production packages only:
# the development and test tools are in requirements-dev.lock, which the image never reads.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
COPY --from=assets /build/static/dist/ static/dist/

# Hashed, compressed static files for WhiteNoise, written to STATIC_ROOT
# (/app/staticfiles by default). The SECRET_KEY here is a random throwaway that exists
# only for this one command (with DEBUG off the settings refuse a short or placeholder
# key); it is not an ENV and is not in the image.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" DEBUG=false python manage.py collectstatic --noinput

# Run as an unprivileged user. The code and static files stay owned by root (read
# only for the portal); the portal writes only to MEDIA_ROOT, /tmp and its home
# (fontconfig keeps its font cache there for WeasyPrint). MEDIA_ROOT is created here
# owned by the portal user, so a new named volume mounted on it (see
# docker-compose.yml) starts with that ownership.
RUN groupadd --system portal \
    && useradd --system --gid portal --create-home --home-dir /home/portal --shell /usr/sbin/nologin portal \
    && mkdir -p /srv/media \
    && chown portal:portal /srv/media
# The demo (`python manage.py setup_demo` in a container) keeps its people's passwords on
# that writable volume too (owner-only), not beside the read-only code.
ENV MEDIA_ROOT=/srv/media \
    DEMO_CREDENTIALS_FILE=/srv/media/.demo-credentials.json
USER portal

EXPOSE 8000

# /health/ checks the database and pings the broker (Redis). It answers 503 only when
# the database is down; with Redis down the pages still serve, so it answers 200 with
# "status": "degraded" and this container stays in rotation. With DEBUG off, Django redirects plain HTTP to
# HTTPS and refuses a Host outside ALLOWED_HOSTS, so the check sends the first
# allowed host and X-Forwarded-Proto: https (gunicorn trusts that header from
# 127.0.0.1 only, its forwarded_allow_ips default). It never follows a redirect
# (that would check whatever answers at the public address, not this container):
# any answer but 2xx fails. The worker and beat containers replace this check in
# docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; host = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); host = host if host not in ('', '*') else 'localhost'; stay = type('Stay', (u.HTTPRedirectHandler,), {'redirect_request': lambda *args: None}); u.build_opener(stay).open(u.Request('http://127.0.0.1:8000/health/', headers={'Host': host, 'X-Forwarded-Proto': 'https'}), timeout=8)"]

CMD ["gunicorn", "bromley_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
