"""factory-boy factories for scheduling data (rows are written inside their tenant context)."""

import datetime

import factory

from appointments.models import Appointment, AvailabilityRule, Doctor
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory


class TenantScopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_context(kwargs["tenant"].id):
            return super()._create(model_class, *args, **kwargs)


class DoctorFactory(TenantScopedFactory):
    class Meta:
        model = Doctor

    tenant = factory.SubFactory(TenantFactory)
    document_type_id = 1
    document_number = factory.Sequence(lambda n: str(90_000_000 + n))
    first_name = factory.Faker("first_name", locale="es_CO")
    first_last_name = factory.Faker("last_name", locale="es_CO")
    specialty = "medicina general"


class AvailabilityRuleFactory(TenantScopedFactory):
    class Meta:
        model = AvailabilityRule

    doctor = factory.SubFactory(DoctorFactory)
    tenant = factory.SelfAttribute("doctor.tenant")
    day_of_week = 4
    start_time = datetime.time(9, 0)
    end_time = datetime.time(12, 0)
    appointment_duration_minutes = 30
    capacity = 1


class AppointmentFactory(TenantScopedFactory):
    """A 30-minute scheduled appointment of a new doctor and patient of ``tenant``; pass ``start``."""

    class Meta:
        model = Appointment

    tenant = factory.SubFactory(TenantFactory)
    doctor = factory.SubFactory(DoctorFactory, tenant=factory.SelfAttribute("..tenant"))
    patient = factory.SubFactory(PatientFactory, tenant=factory.SelfAttribute("..tenant"))
    end = factory.LazyAttribute(lambda a: a.start + datetime.timedelta(minutes=30))


def bookable(tenant) -> dict:
    """A doctor (document 1/99999999) seeing patients on Thursdays 09:00-12:00 and a patient (1/111) of
    ``tenant``: the documents a POST /v1/appointments names them by."""
    AvailabilityRuleFactory(doctor=DoctorFactory(tenant=tenant, document_number="99999999"), day_of_week=4)
    PatientFactory(tenant=tenant, document_number="111")
    return {
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
        "patientDocumentTypeId": 1,
        "patientDocumentNumber": "111",
    }
