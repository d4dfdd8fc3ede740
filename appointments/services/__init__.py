"""Writes of scheduling data, one module per capability: doctors, schedules (weekly rules, blocked
time, closed days), catalogs, booking, holds, reminders. Views, the console, commands and the worker call
these and nothing else."""

from appointments.services.booking import (
    appointment_book,
    appointment_book_hold,
    appointment_book_once,
    appointment_cancel,
    appointment_emit,
    appointment_reschedule,
    appointment_update,
)
from appointments.services.catalogs import (
    appointment_types_create_defaults,
    catalog_entry_create,
    catalog_entry_delete,
    catalog_entry_update,
    clinic_create,
    clinic_update,
)
from appointments.services.doctors import doctor_create, doctor_delete, doctor_lock, doctor_update
from appointments.services.holds import hold_create, hold_release, holds_purge
from appointments.services.reminders import appointment_reminders_emit
from appointments.services.schedules import (
    availability_rule_create,
    availability_rule_delete,
    availability_rule_update,
    blocked_time_create,
    blocked_time_delete,
    blocked_time_update,
    closed_day_create,
    closed_day_delete,
    holidays_load,
)

__all__ = [
    "appointment_book",
    "appointment_book_hold",
    "appointment_book_once",
    "appointment_reschedule",
    "appointment_types_create_defaults",
    "hold_create",
    "hold_release",
    "holds_purge",
    "appointment_cancel",
    "appointment_emit",
    "appointment_reminders_emit",
    "appointment_update",
    "availability_rule_create",
    "availability_rule_delete",
    "availability_rule_update",
    "blocked_time_create",
    "blocked_time_delete",
    "blocked_time_update",
    "catalog_entry_create",
    "catalog_entry_delete",
    "catalog_entry_update",
    "clinic_create",
    "clinic_update",
    "closed_day_create",
    "closed_day_delete",
    "doctor_create",
    "doctor_delete",
    "doctor_lock",
    "doctor_update",
    "holidays_load",
]
