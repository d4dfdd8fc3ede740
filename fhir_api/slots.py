"""Slot ids: a Slot is computed, never stored, so its id says what it is.

``<doctorId>.<UTC yyyymmddThhmm>.<minutes>``: ``0193a1b2-....20300926T1500.30`` is the doctor's 30 minutes
from 2030-09-26 15:00 UTC. FHIR ids allow ``[A-Za-z0-9\\-\\.]{1,64}``; this one is at most 55 characters.
The Schedule of a doctor has the doctor's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

_SLOT_ID = re.compile(
    r"^(?P<doctor>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"\.(?P<start>[0-9]{8}T[0-9]{4})\.(?P<minutes>[0-9]{1,4})$"
)
_START = "%Y%m%dT%H%M"
MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class SlotKey:
    """What a Slot id names: a doctor's ``[start, start + minutes)`` (UTC)."""

    doctor_id: UUID
    start: datetime
    minutes: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    @property
    def id(self) -> str:
        return f"{self.doctor_id}.{self.start.astimezone(UTC).strftime(_START)}.{self.minutes}"

    def order(self) -> tuple[datetime, datetime, str]:
        """The order of Slot searches (earliest first, then the shortest, then by doctor): pages follow it."""
        return (self.start, self.end, str(self.doctor_id))


def slot_key(doctor_id: UUID, start: datetime, end: datetime) -> SlotKey:
    return SlotKey(doctor_id=doctor_id, start=start, minutes=int((end - start).total_seconds() // 60))


def parse_slot_id(raw: str) -> SlotKey | None:
    """The SlotKey of an id, or None when ``raw`` is not one this API gives out."""
    match = _SLOT_ID.match(raw or "")
    if match is None:
        return None
    try:
        start = datetime.strptime(match["start"], _START).replace(tzinfo=UTC)
    except ValueError:
        return None
    minutes = int(match["minutes"])
    if not 1 <= minutes <= MAX_MINUTES:
        return None
    return SlotKey(doctor_id=UUID(match["doctor"]), start=start, minutes=minutes)
