"""gunicorn settings shared by `make run`, `make bench` and the Docker image (env overrides)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "false").lower() == "true" else None
# JSON lines like the app's; the access line has no path or query string (they carry documents,
# names and phones), and its request id ties it to the app's lines.
logger_class = "secre.observability.GunicornJsonLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse to serve an unsafe deployment: Django's deployment checks (``manage.py check --deploy``)
    run before the workers start; an Error stops gunicorn, a Warning is logged. Skipped when
    ``SECRE_DEVELOPMENT=1`` (set only by the make targets, for development keys on plain http)."""
    if os.environ.get("SECRE_DEVELOPMENT") == "1":
        return
    import django
    from django.core import checks

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secre.settings")
    django.setup()
    found = checks.run_checks(include_deployment_checks=True)
    for message in found:
        line = f"{message.id}: {message.msg}" + (f" HINT: {message.hint}" if message.hint else "")
        (server.log.error if message.is_serious() else server.log.warning)("deployment check " + line)
    serious = [message.id for message in found if message.is_serious()]
    if serious:
        raise SystemExit(
            f"refusing to start: deployment checks failed ({', '.join(serious)}); see manage.py check --deploy"
        )
