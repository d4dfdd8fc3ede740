"""factory-boy factories for tenants and API keys (rows are written inside their tenant context)."""

import factory

from tenants.api_keys import api_key_create
from tenants.context import tenant_context
from tenants.models import Tenant, TenantAPIKey
from tenants.services import tenant_create


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Clínica {n}")
    timezone = "America/Bogota"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return tenant_create(name=kwargs["name"], timezone=kwargs["timezone"])


def make_api_key(tenant: Tenant, name: str = "n8n", **kwargs) -> tuple[TenantAPIKey, str]:
    """A key for ``tenant`` and its plaintext."""
    with tenant_context(tenant.id):
        return api_key_create(tenant=tenant, name=name, **kwargs)
