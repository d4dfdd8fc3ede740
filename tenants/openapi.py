"""OpenAPI of tenancy: the X-Api-Key security scheme, and each operation's required key and scope."""

from types import SimpleNamespace

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from secre.openapi import IDEMPOTENCY_PARAMETER, problem_ref
from tenants.permissions import HasPlatformKey, TenantKeyScopes, required_scope


class TenantAPIKeyScheme(OpenApiAuthenticationExtension):
    """``X-Api-Key: <prefix>.<secret>``; Swagger UI's "Authorize" button fills it in."""

    target_class = "tenants.authentication.TenantAPIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


class ScopedAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, stating the key each operation needs: ``x-required-scope``
    (read, write, admin, or ``platform`` for platform keys) and a sentence in the description."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        permissions = getattr(self.view, "permission_classes", [])
        if HasPlatformKey in permissions:
            scope, sentence = "platform", "Needs a platform API key."
        elif TenantKeyScopes in permissions:
            scope = required_scope(SimpleNamespace(method=method), self.view)
            sentence = f"Needs a tenant API key with the `{scope}` scope." if scope else "Any tenant API key."
        else:
            return operation
        operation["x-required-scope"] = scope or "any"
        operation["description"] = f"{operation.get('description', '')}\n\n{sentence}".strip()
        responses = operation.setdefault("responses", {})
        responses.setdefault("429", problem_ref("rate_limited: too many requests for the tenant; see Retry-After."))
        if method == "POST" and scope != "platform":
            operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
            responses.setdefault(
                "409", problem_ref("idempotency_in_progress, idempotency_not_replayable (Idempotency-Key).")
            )
            responses.setdefault("422", problem_ref("idempotency_key_reused: the key was used with another body."))
        return operation
