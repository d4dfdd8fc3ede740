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
