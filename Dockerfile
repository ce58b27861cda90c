# syntax=docker/dockerfile:1
# Convene's production image. One image runs every process: the web server
# (gunicorn, the default command), the Celery worker and Celery beat; see
# docker-compose.yml and docs/deploy.md.

# --- 1. Front-end assets: GOV.UK Frontend from npm, the Sass build ----------
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static/ static/
RUN npm run build

# --- 2. The application ------------------------------------------------------
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PORT=8000

RUN groupadd --system --gid 10001 convene \
    && useradd --system --uid 10001 --gid convene --home-dir /app --shell /usr/sbin/nologin convene

WORKDIR /app

# Production packages only (requirements/base.in), at the versions in the lock.
COPY requirements/ requirements/
RUN pip install -c requirements/lock.txt -r requirements/base.in

COPY --chown=convene:convene . .
COPY --from=assets /src/static/build static/build
COPY --from=assets /src/node_modules/govuk-frontend/dist/govuk node_modules/govuk-frontend/dist/govuk

# Collect and compress the static files into the image (served by WhiteNoise).
# The values below exist only for this build step: production settings refuse
# to load without them, and collectstatic connects to nothing.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://collectstatic@localhost/collectstatic \
    REDIS_URL=redis://localhost:6379/0 \
    DJANGO_DEFAULT_FROM_EMAIL=collectstatic@localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown -R convene:convene var

USER convene
EXPOSE 8000

# /healthz/ready answers 200 while the database is reachable. The probe sends
# the public host name and the forwarded scheme a TLS-terminating proxy would,
# so neither ALLOWED_HOSTS nor the HTTPS redirect turns it away.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request as u; host = os.environ['DJANGO_ALLOWED_HOSTS'].split(',')[0].strip().lstrip('.'); u.urlopen(u.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz/ready', headers={'Host': host, 'X-Forwarded-Proto': 'https'}), timeout=4)"

CMD ["sh", "-c", "exec gunicorn config.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --timeout 60 --access-logfile - --error-logfile -"]
