"""Console sessions a stolen table row cannot use (``SESSION_ENGINE = "tenants.sessions"``).

Sessions are read before any tenant is known, so the runtime role must be able to read and write
their table. Django's database backend stores the session key (the cookie's value) in clear and
signs the data without the key; one SQL bug would then hand out signed-in console sessions. Here:

* the row is keyed by ``sha256(session key)``: a key read from the table is not a cookie;
* the data is signed (``django.core.signing``, with SECRET_KEY) together with that hash: data copied
  into another row fails verification and loads as an empty session (signed out);
* logout deletes the row, so revoking works as before (signed-cookie sessions cannot be revoked).

The rows live in ``tenants_consolesession`` (:class:`ConsoleSession`, beside its store and exported
by tenants/models.py); Django's own ``django_session`` table is unused and out of the runtime role's
reach.
"""

from __future__ import annotations

import hashlib
import logging

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core import signing
from django.db import models
from django.utils import timezone

logger = logging.getLogger("django.security.SuspiciousSession")


def row_key(session_key: str) -> str:
    """The table's key for a session key: its SHA-256, hex (64 characters)."""
    return hashlib.sha256(session_key.encode()).hexdigest()


class ConsoleSession(AbstractBaseSession):
    """A console session: ``session_key`` is the SHA-256 of the cookie's key, never the key itself."""

    session_key = models.CharField("session key hash", max_length=64, primary_key=True)

    class Meta(AbstractBaseSession.Meta):
        app_label = "tenants"
        db_table = "tenants_consolesession"

    def __str__(self) -> str:
        return "console session"

    @classmethod
    def get_session_store_class(cls):
        return SessionStore


class SessionStore(db.SessionStore):
    """Django's database session store with hashed row keys and key-bound signatures."""

    @classmethod
    def get_model_class(cls):
        return ConsoleSession

    def _salt(self, key_hash: str) -> str:
        return f"{self.key_salt}:{key_hash}"

    def _sign(self, data: dict, key_hash: str) -> str:
        return signing.dumps(data, salt=self._salt(key_hash), serializer=self.serializer, compress=True)

    def _unsign(self, text: str, key_hash: str) -> dict:
        try:
            return signing.loads(text, salt=self._salt(key_hash), serializer=self.serializer)
        except signing.BadSignature:
            logger.warning("console session data failed verification")
        except Exception:  # noqa: BLE001 (a corrupt row is an empty session, as in Django)
            logger.warning("console session data could not be decoded")
        return {}

    def _get_session_from_db(self):
        try:
            return self.model.objects.get(session_key=row_key(self.session_key), expire_date__gt=timezone.now())
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    def load(self):
        row = self._get_session_from_db() if self.session_key else None
        return self._unsign(row.session_data, row.session_key) if row else {}

    def exists(self, session_key):
        return self.model.objects.filter(session_key=row_key(session_key)).exists()

    def create_model_instance(self, data):
        key_hash = row_key(self._get_or_create_session_key())
        return self.model(
            session_key=key_hash, session_data=self._sign(data, key_hash), expire_date=self.get_expiry_date()
        )

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=row_key(session_key)).delete()

    # The app is synchronous; the async API delegates to the sync one.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def aexists(self, session_key):
        return await sync_to_async(self.exists)(session_key)

    async def acreate_model_instance(self, data):
        return await sync_to_async(self.create_model_instance)(data)

    async def adelete(self, session_key=None):
        return await sync_to_async(self.delete)(session_key)
