"""Fixtures of the FHIR facade's tests: a clinic with a doctor on Thursdays 09:00-12:00 (America/Bogota,
UTC-5: 14:00Z-17:00Z in 30-minute slots) and a patient."""

import datetime

import pytest

from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory

THURSDAY = datetime.date(2030, 9, 26)
WEEK = {"start": ["ge2030-09-23", "lt2030-09-30"]}


def slot_id(doctor, hhmm: str = "1400", minutes: int = 30, day: str = "20300926") -> str:
    return f"{doctor.id}.{day}T{hhmm}.{minutes}"


@pytest.fixture
def clinic(tenant):
    doctor = DoctorFactory(
        tenant=tenant,
        document_number="99999999",
        first_name="Ana",
        first_last_name="Ruiz",
        second_last_name="Núñez",
        specialty="Cardiología",
    )
    AvailabilityRuleFactory(doctor=doctor)
    patient = PatientFactory(
        tenant=tenant,
        document_number="12345678",
        first_name="Juan",
        second_name="Carlos",
        first_last_name="Pérez",
        second_last_name="Gómez",
        birth_date=datetime.date(1990, 5, 15),
        gender_id=1,
        eps_id=5,
        phone="+576015551234",
        cell_phone="+573001234567",
        email="juan@example.com",
    )
    return doctor, patient
