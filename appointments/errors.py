"""Errors of the scheduling capability (catalogue: docs/errors.md)."""

from rest_framework import status

from secre.problems import Problem


class NonexistentLocalTime(Problem):
    """400: a naive time that does not exist in the tenant's zone (skipped by a daylight-saving change)."""

    default_code = "nonexistent_local_time"
    title = "Nonexistent local time"
    default_detail = "This local time does not exist in the clinic's time zone (daylight-saving gap)."


class AmbiguousLocalTime(Problem):
    """400: a naive time that happens twice in the tenant's zone; send it with an offset."""

    default_code = "ambiguous_local_time"
    title = "Ambiguous local time"
    default_detail = "This local time happens twice in the clinic's time zone; send it with an offset."


class InvalidInterval(Problem):
    """400: the appointment's end is not after its start, or it lasts more than 24 hours."""

    default_code = "validation_error"
    title = "Validation failed"
    default_detail = "The appointment's interval is not valid."

    def __init__(self, detail: str | None = None, **extra):
        extra.setdefault(
            "errors", [{"field": "endAppointment", "message": detail or self.default_detail, "code": "invalid"}]
        )
        super().__init__(detail, **extra)


class InvalidInitialState(Problem):
    """400 naming ``state``: a new appointment is scheduled or confirmed."""

    default_code = "validation_error"
    title = "Validation failed"
    default_detail = "A new appointment is scheduled or confirmed."

    def __init__(self, detail: str | None = None, **extra):
        extra.setdefault("errors", [{"field": "state", "message": detail or self.default_detail, "code": "invalid"}])
        super().__init__(detail, **extra)


class InvalidTransition(Problem):
    """409: the appointment's state cannot move there; ``allowedTransitions`` lists where it can."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "invalid_transition"
    title = "Invalid state transition"
    default_detail = "The appointment cannot move to this state."


class SlotTaken(Problem):
    """409: the doctor is booked to capacity at that time; ``conflictingAppointmentId`` names a booking."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "slot_taken"
    title = "Slot taken"
    default_detail = "The doctor is already booked at that time."


class PatientBusy(Problem):
    """409: the patient has another active appointment at that time (``conflictingAppointmentId``)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "patient_busy"
    title = "Patient busy"
    default_detail = "The patient already has an appointment at that time."


class OutsideAvailability(Problem):
    """409: the time is outside the doctor's availability; ``reasons`` says why
    (outside_hours, blocked, closed_day, in_past, doctor_inactive)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "outside_availability"
    title = "Outside availability"
    default_detail = "The doctor is not available at that time."


class DoctorExists(Problem):
    """409: a doctor with this document already exists in the tenant (``existingDoctorId``)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "doctor_exists"
    title = "Doctor already exists"
    default_detail = "A doctor with this document type and number already exists."


class DoctorHasAppointments(Problem):
    """409: the doctor has appointments and cannot be deleted (deactivate with isActive=false)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "doctor_has_appointments"
    title = "Doctor has appointments"
    default_detail = "This doctor has appointments and cannot be deleted; set isActive to false instead."


class OverlappingAvailability(Problem):
    """409: the weekly rule overlaps another rule of the same doctor on the same day."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "overlapping_availability"
    title = "Overlapping availability"
    default_detail = "This rule overlaps another rule of the doctor on the same day."


class CatalogCodeExists(Problem):
    """409: the code (or clinic name) already exists in this catalog."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "catalog_code_exists"
    title = "Already in the catalog"
    default_detail = "This code already exists in the catalog."


class ClosedDayExists(Problem):
    """409: the clinic already has a closed day on that date."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "closed_day_exists"
    title = "Closed day exists"
    default_detail = "This date is already a closed day."


class SlotHeld(Problem):
    """409: live holds (with bookings) fill the slot's capacity; ``conflictingHoldId`` names a hold and
    ``expiresAt`` says when it frees the place unless booked."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "slot_held"
    title = "Slot held"
    default_detail = "The slot is held for another booking; try again after the hold expires, or another slot."


class OutsideBookingWindow(Problem):
    """409: sooner than the minimum notice or past the booking horizon; ``rule`` names which
    (``minimum_notice`` with ``minimumNoticeMinutes``, ``booking_horizon`` with ``bookingHorizonDays``)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "outside_booking_window"
    title = "Outside the booking window"
    default_detail = "The clinic does not take bookings for that time."


class HoldForAnotherPatient(Problem):
    """409: the hold names another patient; only that patient can be booked into it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "hold_patient_mismatch"
    title = "Hold for another patient"
    default_detail = "This hold is for another patient."


class HoldBooked(Problem):
    """409: the hold was booked (``appointmentId``); cancel the appointment instead of releasing it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "hold_booked"
    title = "Hold already booked"
    default_detail = "This hold has been booked; cancel the appointment instead."


class AppointmentTypeIsDefault(Problem):
    """409: ``primera_vez`` and ``control`` are every clinic's defaults and cannot be deleted."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "appointment_type_is_default"
    title = "Default appointment type"
    default_detail = "A default appointment type cannot be deleted."


class HoldTtlTooLong(Problem):
    """400 naming ``ttlSeconds``: above the clinic's maximum (``maxTtlSeconds``)."""

    default_code = "validation_error"
    title = "Validation failed"

    def __init__(self, maximum: int):
        message = f"At most {maximum} seconds (the clinic's maximum hold)."
        super().__init__(
            message,
            maxTtlSeconds=maximum,
            errors=[{"field": "ttlSeconds", "message": message, "code": "max_value"}],
        )
