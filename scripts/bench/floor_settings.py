"""Django's floor for the bench (scripts/bench/floor_urls.py): the app's settings, no middleware, the
floor's URLs. Loaded only by scripts/bench/floor.py's gunicorn (``DJANGO_SETTINGS_MODULE``); production
and every other entry point use ``secre.settings``, so these URLs are reachable nowhere else."""

from secre.settings import *  # noqa: F403 (the app's settings, then the two overrides below)

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "scripts.bench.floor_urls"
