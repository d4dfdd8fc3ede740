"""Personal data encrypted at rest (seed 002: Fernet field encryption): model fields whose column holds
ciphertext, and plaintext in Python.

* Authenticated encryption with rotatable keys: ``cryptography``'s MultiFernet over
  ``FIELD_ENCRYPTION_KEYS`` (a list; the first encrypts, every one decrypts). Never derived from
  SECRET_KEY. Stored values are ``enc:<Fernet token>`` in a text column.
* A stored value without the prefix is legacy plaintext (written before the field was encrypted) and
  is read as it is, until ``manage.py rotate_encryption_keys`` has encrypted it; the same command
  re-encrypts everything under a new first key, after which older keys can be removed.
* Ciphertext is about four times longer than the text: columns are ``text``, and ``max_length`` limits
  the plaintext. Encrypted fields cannot be filtered or searched (every encryption of a value differs):
  only ``isnull`` lookups are allowed, anything else is a FieldError rather than a silent no-match.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models

PREFIX = "enc:"
ALLOWED_LOOKUPS = {"isnull"}


def configured_keys() -> tuple[str, ...]:
    return tuple(key.strip() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip())


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set: personal data cannot be stored (the make targets generate a key)."
        )
    fernets = [Fernet(key) for key in keys]
    return MultiFernet(fernets), fernets[0]


def _multi() -> MultiFernet:
    return _fernets(configured_keys())[0]


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def encrypt_text(text: str) -> str:
    """``enc:`` + a Fernet token of ``text`` under the first key."""
    return PREFIX + _multi().encrypt(text.encode()).decode()


def decrypt_text(stored: str) -> str:
    """The plaintext of a stored value (legacy plaintext is returned as it is). Raises
    ImproperlyConfigured when no configured key opens it."""
    if not is_encrypted(stored):
        return stored
    try:
        return _multi().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with any FIELD_ENCRYPTION_KEYS key (was its key removed?)."
        ) from None


def is_current(stored: str) -> bool:
    """Encrypted under the first key (nothing left to rotate)."""
    if not is_encrypted(stored):
        return False
    try:
        _fernets(configured_keys())[1].decrypt(stored[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


def rotated(stored: str) -> str:
    """The stored value encrypted under the first key: legacy plaintext encrypted, older keys replaced."""
    if not is_encrypted(stored):
        return encrypt_text(stored)
    return PREFIX + _multi().rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored encrypted; ``max_length`` (optional) limits the plaintext, in validation and forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def from_db_value(self, value, expression, connection):
        return None if value is None else self.to_python_value(decrypt_text(value))

    def to_python_value(self, plaintext: str) -> Any:
        return plaintext

    def to_stored_text(self, value: Any) -> str:
        return str(value)

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)
        return None if value is None else encrypt_text(self.to_stored_text(value))

    def get_lookup(self, lookup_name):
        if lookup_name not in ALLOWED_LOOKUPS:
            raise FieldError(f"{self.name} is encrypted at rest: it cannot be filtered with {lookup_name!r}.")
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        raise FieldError(f"{self.name} is encrypted at rest: it has no {lookup_name!r} transform.")


class EncryptedJSONField(EncryptedTextField):
    """A JSON document (object, list, number, string) stored encrypted; legacy plaintext is JSON text."""

    def to_python_value(self, plaintext: str) -> Any:
        return json.loads(plaintext)

    def to_stored_text(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return self.to_stored_text(self.value_from_object(obj))
