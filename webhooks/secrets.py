"""Webhook signing secrets: generated as Standard Webhooks ``whsec_...``, stored encrypted (Fernet).

The encryption keys come from ``WEBHOOK_SECRETS_KEYS`` (comma-separated Fernet keys, newest first,
so the key can be rotated); without it a key is derived from ``SECRET_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.WEBHOOK_SECRETS_KEYS if key.strip()]
    if not keys:
        digest = hashlib.sha256(f"secre-webhook-secrets:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def new_secret() -> str:
    """A new signing secret: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
