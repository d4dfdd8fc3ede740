"""Webhook signing secrets: generated as Standard Webhooks ``whsec_...``, stored encrypted (Fernet).

The encryption keys come from ``WEBHOOK_SECRETS_KEYS`` (comma-separated Fernet keys; the first
encrypts, all decrypt, so a key is rotated by putting a new one first and running
``manage.py rotate_webhook_keys``). ``manage.py check --deploy`` refuses an empty setting.

Secrets stored before the setting was required were encrypted with a key derived from SECRET_KEY:
that key stays a decrypt-only fallback until ``rotate_webhook_keys`` has re-encrypted them. Only a
development setup without the setting (never ``make run``/``make test``, which generate a key in
``.secre/``) still encrypts with it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def configured_keys() -> list[str]:
    return [key.strip() for key in settings.WEBHOOK_SECRETS_KEYS if key.strip()]


def _derived_key() -> str:
    digest = hashlib.sha256(f"secre-webhook-secrets:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in [*configured_keys(), _derived_key()]])


def new_secret() -> str:
    """A new signing secret: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """The same secret encrypted under the first configured key (MultiFernet.rotate)."""
    return _fernet().rotate(token.encode()).decode()
