"""The scheduling API under /v1, one module per resource; OpenAPI declarations in ``schema``."""

from appointments.views.appointments import AppointmentViewSet
from appointments.views.availability import DoctorAvailabilityViewSet
from appointments.views.catalogs import AppointmentTypeViewSet, ClinicViewSet, ModalityViewSet, SpecialtyViewSet
from appointments.views.doctors import DoctorViewSet
from appointments.views.holds import HoldViewSet

__all__ = [
    "AppointmentTypeViewSet",
    "AppointmentViewSet",
    "ClinicViewSet",
    "DoctorAvailabilityViewSet",
    "DoctorViewSet",
    "HoldViewSet",
    "ModalityViewSet",
    "SpecialtyViewSet",
]
