"""The scheduling API under /v1, one module per resource; OpenAPI declarations in ``schema``."""

from appointments.views.appointments import AppointmentViewSet
from appointments.views.availability import DoctorAvailabilityViewSet
from appointments.views.catalogs import AppointmentTypeViewSet, ClinicViewSet, ModalityViewSet
from appointments.views.doctors import DoctorViewSet

__all__ = [
    "AppointmentTypeViewSet",
    "AppointmentViewSet",
    "ClinicViewSet",
    "DoctorAvailabilityViewSet",
    "DoctorViewSet",
    "ModalityViewSet",
]
