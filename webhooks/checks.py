"""Deployment checks of webhooks (``manage.py check --deploy`` and the gunicorn start hook).

* ``webhooks.E001``: ``WEBHOOK_SECRETS_KEYS`` is empty (signing secrets would be encrypted with a key
  derived from SECRET_KEY: rotating SECRET_KEY would make them unreadable, and one secret would guard
  two things).
* ``webhooks.E002``: a key is not a Fernet key, or is an example value.
* ``webhooks.E003`` (every command, the worker's too): a worker setting out of range — a lease under
  2 s (renewed every third of it), a timeout that is not positive, a claim batch, thread count or
  per-endpoint limit under 1.
* ``webhooks.E004``: with SQS on, ``WEBHOOK_LEASE_SECONDS`` is not above twice
  ``WEBHOOK_TIMEOUT_SECONDS`` (one SQS call may take that long, connect plus read, and must end
  inside the publisher's lease).
"""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register

from tenants.checks import is_example_secret
from webhooks.secrets import configured_keys


@register(Tags.security, deploy=True)
def check_webhook_secret_keys(app_configs, **kwargs):
    keys = configured_keys()
    if not keys:
        return [
            Error(
                "WEBHOOK_SECRETS_KEYS is empty.",
                hint='Set it to a Fernet key (python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"), then run manage.py rotate_webhook_keys.',
                id="webhooks.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            errors.append(Error(f"WEBHOOK_SECRETS_KEYS key {position} is not a Fernet key.", id="webhooks.E002"))
            continue
        if is_example_secret(key):
            errors.append(Error(f"WEBHOOK_SECRETS_KEYS key {position} is an example value.", id="webhooks.E002"))
    return errors


@register()
def check_worker_settings(app_configs, **kwargs):
    minimums = {
        "WEBHOOK_LEASE_SECONDS": 2,
        "WEBHOOK_CLAIM_BATCH": 1,
        "WEBHOOK_WORKER_THREADS": 1,
        "WEBHOOK_ENDPOINT_CONCURRENCY": 1,
    }
    errors = [
        Error(f"{name} must be at least {minimum}.", id="webhooks.E003")
        for name, minimum in minimums.items()
        if getattr(settings, name) < minimum
    ]
    if settings.WEBHOOK_TIMEOUT_SECONDS <= 0:
        errors.append(Error("WEBHOOK_TIMEOUT_SECONDS must be more than 0.", id="webhooks.E003"))
    if settings.EVENTS_SQS_QUEUE_URL and settings.WEBHOOK_LEASE_SECONDS <= 2 * settings.WEBHOOK_TIMEOUT_SECONDS:
        errors.append(
            Error(
                "WEBHOOK_LEASE_SECONDS must be more than twice WEBHOOK_TIMEOUT_SECONDS when SQS is on.",
                hint="An SQS call may take the timeout to connect and again to read; it must end inside its lease.",
                id="webhooks.E004",
            )
        )
    return errors
