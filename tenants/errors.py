"""Errors of the tenancy capability (catalogue: docs/errors.md)."""

from rest_framework import status

from secre.problems import PermissionDenied, Problem


class TenantKeyRequired(PermissionDenied):
    """403: a platform key on a tenant route; platform keys read no tenant data."""

    default_code = "tenant_key_required"
    title = "Tenant key required"
    default_detail = "This route needs a tenant API key; platform keys read no tenant data."


class PlatformKeyRequired(PermissionDenied):
    """403: a tenant key on a platform route (/v1/tenants, /v1/admin/...)."""

    default_code = "platform_key_required"
    title = "Platform key required"
    default_detail = "This route needs a platform API key."


class ApiKeyNotRotatable(Problem):
    """409: a revoked key cannot be rotated; create a new one."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "api_key_revoked"
    title = "API key revoked"
    default_detail = "This API key is revoked; create a new one instead."
