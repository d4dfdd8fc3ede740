"""DRF permission classes for tenant API keys."""

from rest_framework.permissions import BasePermission


class HasTenantAPIKey(BasePermission):
    """Allow requests made with a resolved tenant API key (the tenant context is then set)."""

    def has_permission(self, request, view) -> bool:
        return getattr(request._request, "tenant", None) is not None
