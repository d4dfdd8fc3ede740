"""Errors of the patients capability (catalogue: docs/errors.md)."""

from rest_framework import status

from secre.problems import Problem


class PatientExists(Problem):
    """409: a patient with this document already exists in the tenant; ``existingPatientId`` names it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "patient_exists"
    title = "Patient already exists"
    default_detail = "A patient with this document type and number already exists."


class PatientHasAppointments(Problem):
    """409: the patient has appointments; clinical records must be kept, so it cannot be deleted."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "patient_has_appointments"
    title = "Patient has appointments"
    default_detail = "This patient has appointments and cannot be deleted; clinical records are kept."
