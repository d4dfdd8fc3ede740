"""factory-boy factories for patients (rows are written inside their tenant context)."""

import factory

from patients.models import Patient
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    tenant = factory.SubFactory(TenantFactory)
    first_name = factory.Faker("first_name", locale="es_CO")
    first_last_name = factory.Faker("last_name", locale="es_CO")
    document_type_id = 1
    document_number = factory.Sequence(lambda n: str(80_000_000 + n))
    cell_phone = factory.Sequence(lambda n: f"+57310{n:07d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_context(kwargs["tenant"].id):
            return super()._create(model_class, *args, **kwargs)
