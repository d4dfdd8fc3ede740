"""Writes of doctors' schedules: weekly availability rules, blocked time, the clinic's closed days.

Rules of one doctor must not overlap. PostgreSQL has no time-of-day range for an exclusion
constraint, so every rule change takes the doctor's advisory lock (the one bookings take) and checks
again under it: two concurrent overlapping rules cannot both be saved. Closed days are unique per
date: the database decides a race.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import holidays
from django.db import IntegrityError, transaction

from appointments.errors import ClosedDayExists, OverlappingAvailability
from appointments.models import AvailabilityRule, BlockedTime, ClosedDay, Doctor
from appointments.services.doctors import doctor_lock
from secre.custom_fields import custom_fields_merge
from secre.db_errors import constraint_as, violated_constraint
from tenants.models import Tenant

CLOSED_DAY_CONSTRAINT = "appointments_closedday_date_uniq"


def availability_rule_create(*, tenant: Tenant, doctor: Doctor, data: dict[str, Any]) -> AvailabilityRule:
    """Add a weekly rule; OverlappingAvailability (409, ``conflictingRuleId``) when it overlaps another
    rule of the same doctor on the same day within overlapping validity dates."""
    rule = AvailabilityRule(tenant=tenant, doctor=doctor, **data)
    with transaction.atomic():
        doctor_lock(doctor)
        _check_rule_overlap(rule)
        rule.save(force_insert=True)
    return rule


def availability_rule_update(*, rule: AvailabilityRule, data: dict[str, Any]) -> AvailabilityRule:
    """Change a rule (``doctor`` included); the same overlap rule, under the lock of every doctor involved.
    ``custom_fields`` merge per RFC 7396, bounded (secre/custom_fields.py)."""
    previous_doctor = rule.doctor
    data = dict(data)
    if "custom_fields" in data:
        data["custom_fields"] = custom_fields_merge(rule.custom_fields, data["custom_fields"])
    for attr, value in data.items():
        setattr(rule, attr, value)
    with transaction.atomic():
        for doctor in sorted({previous_doctor, rule.doctor}, key=lambda d: str(d.pk)):  # a fixed order
            doctor_lock(doctor)
        _check_rule_overlap(rule)
        rule.save()
    return rule


def availability_rule_delete(*, rule: AvailabilityRule) -> None:
    rule.delete()


def _check_rule_overlap(rule: AvailabilityRule) -> None:
    siblings = AvailabilityRule.objects.filter(
        doctor_id=rule.doctor_id,
        day_of_week=rule.day_of_week,
        start_time__lt=rule.end_time,
        end_time__gt=rule.start_time,
    ).exclude(pk=rule.pk)
    for other in siblings:
        starts_before_other_ends = (
            other.valid_until is None or rule.valid_from is None or rule.valid_from <= other.valid_until
        )
        ends_after_other_starts = (
            other.valid_from is None or rule.valid_until is None or other.valid_from <= rule.valid_until
        )
        if starts_before_other_ends and ends_after_other_starts:
            raise OverlappingAvailability(conflictingRuleId=str(other.pk))


def blocked_time_create(
    *, tenant: Tenant, doctor: Doctor, start: datetime, end: datetime, reason: str | None = None, **extra: Any
) -> BlockedTime:
    """Block ``[start, end)`` (UTC) for a doctor; ``reason`` is optional. Existing appointments are
    kept: cancel them explicitly if the doctor will not see them."""
    blocked = BlockedTime(tenant=tenant, doctor=doctor, start=start, end=end, reason=reason, **extra)
    blocked.save(force_insert=True)
    return blocked


def blocked_time_update(*, blocked_time: BlockedTime, data: dict[str, Any]) -> BlockedTime:
    """Change a period (doctor, start, end, reason; ``custom_fields`` merged per RFC 7396)."""
    data = dict(data)
    if "custom_fields" in data:
        data["custom_fields"] = custom_fields_merge(blocked_time.custom_fields, data["custom_fields"])
    for attr, value in data.items():
        setattr(blocked_time, attr, value)
    blocked_time.save()
    return blocked_time


def blocked_time_delete(*, blocked_time: BlockedTime) -> None:
    blocked_time.delete()


def closed_day_create(*, tenant: Tenant, day: date, name: str, source: str = ClosedDay.Source.CLINIC) -> ClosedDay:
    """Close the whole clinic on a local date; ClosedDayExists (409) if already closed — the unique
    constraint decides between concurrent requests."""
    if ClosedDay.objects.filter(date=day).exists():
        raise ClosedDayExists(date=day.isoformat())
    closed = ClosedDay(tenant=tenant, date=day, name=name, source=source)
    with constraint_as({CLOSED_DAY_CONSTRAINT: lambda: ClosedDayExists(date=day.isoformat())}):
        closed.save(force_insert=True)
    return closed


def closed_day_delete(*, closed_day: ClosedDay) -> None:
    closed_day.delete()


def holidays_load(*, tenant: Tenant, year: int, country: str = "CO") -> list[ClosedDay]:
    """Add a year's public holidays (the ``holidays`` package; CO = Colombian festivos, with Ley
    Emiliani's Monday moves) as closed days. Idempotent, also when loads run concurrently: dates
    already closed (by anyone, even meanwhile) are left as they are. Returns the days this call added."""
    existing = set(ClosedDay.objects.filter(date__year=year).values_list("date", flat=True))
    added = []
    for day, name in sorted(holidays.country_holidays(country, years=year, language="es").items()):
        if day in existing:
            continue
        closed = ClosedDay(tenant=tenant, date=day, name=str(name)[:150], source=ClosedDay.Source.HOLIDAY)
        try:
            with transaction.atomic():
                closed.save(force_insert=True)  # one row at a time: every write goes through the model
        except IntegrityError as exc:
            if violated_constraint(exc) != CLOSED_DAY_CONSTRAINT:
                raise
            continue  # another load (or a person) closed it meanwhile
        added.append(closed)
    return added
