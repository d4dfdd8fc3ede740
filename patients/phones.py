"""Phone numbers as messaging channels send them, read into the E.164 numbers patients are stored with."""

from __future__ import annotations

import re

from django.conf import settings
from phonenumber_field.phonenumber import PhoneNumber, to_python

_CHANNEL_PREFIX = re.compile(r"^(whatsapp|wa|tel|sms):", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s().\-]")
# A WhatsApp id (wa_id) is the international number without "+": longer than any national number here.
_INTERNATIONAL_WITHOUT_PLUS = re.compile(r"^[1-9]\d{10,14}$")


def phone_from_channel(value: str) -> PhoneNumber | None:
    """The valid phone number in ``value`` as WhatsApp (``573001234567``, ``whatsapp:+57 300 123 4567``)
    or a person writes it (``300 123 4567``, national numbers read in ``PHONE_DEFAULT_REGION``), or None.

    A string of 11 to 15 digits is read first as an international number without its ``+`` (WhatsApp's
    ``wa_id``), then as a national one."""
    text = _SEPARATORS.sub("", _CHANNEL_PREFIX.sub("", (value or "").strip()))
    candidates = [f"+{text}", text] if _INTERNATIONAL_WITHOUT_PLUS.match(text) else [text]
    for candidate in candidates:
        number = to_python(candidate, region=settings.PHONENUMBER_DEFAULT_REGION)
        if isinstance(number, PhoneNumber) and number.is_valid():
            return number
    return None
