"""OpenAPI description of tenant API key authentication (the X-Api-Key security scheme)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TenantAPIKeyScheme(OpenApiAuthenticationExtension):
    """``X-Api-Key: <prefix>.<secret>``; Swagger UI's "Authorize" button fills it in."""

    target_class = "tenants.authentication.TenantAPIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
