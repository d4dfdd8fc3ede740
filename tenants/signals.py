"""What tenancy tells the apps above it (they connect in their AppConfig.ready(), so tenants imports
none of them).

``tenant_created(sender=Tenant, tenant=...)`` is sent by ``tenants.services.tenant_create`` inside the new
tenant's context and transaction: a receiver's writes (a clinic's default catalog rows) commit or roll
back with the tenant itself.
"""

from django.dispatch import Signal

tenant_created = Signal()
