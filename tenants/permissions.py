"""DRF permission classes: tenant keys and their scopes, platform keys."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from secre.problems import PermissionDenied
from tenants.scopes import READ, WRITE


def required_scope(request, view) -> str | None:
    """The scope an operation needs: ``view.required_scopes[action]`` (or ``["*"]``) when declared
    (None: any tenant key), else ``read`` for safe methods and ``write`` for the rest."""
    declared = getattr(view, "required_scopes", {})
    action = getattr(view, "action", None)
    if action in declared:
        return declared[action]
    if "*" in declared:
        return declared["*"]
    return READ if request.method in SAFE_METHODS else WRITE


class TenantKeyScopes(BasePermission):
    """Allow tenant keys that hold the operation's scope; 403 ``permission_denied`` with
    ``missingScope`` otherwise. (Keys were verified, and platform keys kept off tenant routes, by
    the tenancy middleware.)"""

    def has_permission(self, request, view) -> bool:
        client = getattr(request._request, "api_client", None)
        if client is None or client.is_platform:
            return False
        scope = required_scope(request, view)
        if scope is not None and not client.has_scope(scope):
            raise PermissionDenied(f"This API key lacks the {scope!r} scope.", missingScope=scope)
        return True


class HasPlatformKey(BasePermission):
    """Allow platform keys only (platform routes)."""

    def has_permission(self, request, view) -> bool:
        client = getattr(request._request, "api_client", None)
        return client is not None and client.is_platform
