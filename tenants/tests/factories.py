"""factory-boy factories for tenants and API keys (rows are written inside their tenant context)."""

import factory

from tenants import roles
from tenants.api_keys import api_key_create
from tenants.context import tenant_context
from tenants.models import Tenant, TenantAPIKey, User
from tenants.services import operator_create, staff_create, tenant_create

STAFF_PASSWORD = "S3cre-pass!"


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


def make_staff(tenant: Tenant, role: str = roles.OWNER, username: str | None = None) -> User:
    """A console user of ``tenant`` in ``role`` (password :data:`STAFF_PASSWORD`), through the service."""
    user, _ = staff_create(
        tenant=tenant, username=username or f"{role.lower()}-{tenant.id.hex}", role=role, password=STAFF_PASSWORD
    )
    return user


def make_operator(username: str, *, superuser: bool = True) -> User:
    """A platform operator (no tenant), through the operator path."""
    return operator_create(username=username, password=STAFF_PASSWORD, superuser=superuser)
