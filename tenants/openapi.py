"""OpenAPI of tenancy: the API key's security schemes (X-Api-Key, Bearer), and each operation's required key and
scope."""

from types import SimpleNamespace

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from secre.openapi import IDEMPOTENCY_PARAMETER, problem_ref, tag_for
from tenants.permissions import HasPlatformKey, TenantKeyScopes, required_scope


class TenantAPIKeyScheme(OpenApiAuthenticationExtension):
    """The one API key, presented either way: ``X-Api-Key: <prefix>.<secret>`` (ApiKeyAuth) or
    ``Authorization: Bearer <prefix>.<secret>`` (BearerAuth); an operation needs one of them (OR).
    Swagger UI's "Authorize" button fills in either."""

    target_class = "tenants.authentication.TenantAPIKeyAuthentication"
    name = ["ApiKeyAuth", "BearerAuth"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "API key",
                "description": "The same API key as X-Api-Key, as Authorization: Bearer <key>.",
            },
        ]

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.name]


class ScopedAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, stating the key each operation needs: ``x-required-scope``
    (read, write, admin, or ``platform`` for platform keys) and a sentence in the description; its tag
    (secre/openapi.py TAGS_BY_PATH); and the problem responses every operation can give (400, 401, 403,
    404 with path parameters, 413, 415, 429; 409 and 422 with Idempotency-Key) unless the view states its
    own (docs/errors.md)."""

    def get_tags(self) -> list[str]:
        return [tag_for(self.path)]

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
        for status_code, description in standard_problems(scope, takes_id="{" in path):
            responses.setdefault(status_code, problem_ref(description))
        if method == "POST" and scope != "platform":
            operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
            responses.setdefault(
                "409", problem_ref("idempotency_in_progress, idempotency_not_replayable (Idempotency-Key).")
            )
            responses.setdefault("422", problem_ref("idempotency_key_reused: the key was used with another body."))
        operation["responses"] = dict(sorted(responses.items()))
        return operation


def standard_problems(scope: str | None, *, takes_id: bool) -> list[tuple[str, str]]:
    """The problem responses any operation with this key requirement can give, as (status, description)."""
    if scope == "platform":
        forbidden = "platform_key_required: a tenant key on a platform route."
        unauthenticated = "authentication_failed: missing, malformed, unknown or revoked platform key."
    else:
        forbidden = (
            f"permission_denied: the key lacks the `{scope}` scope (missingScope names it); "
            "tenant_key_required: a platform key."
            if scope
            else "tenant_key_required: a platform key on a tenant route."
        )
        unauthenticated = (
            "authentication_failed: missing, malformed, unknown, revoked or expired key (X-Api-Key or Bearer), "
            "or two different keys."
        )
    problems = [
        ("400", "validation_error, unknown_fields, conflicting_fields or malformed_request: errors names each field."),
        ("401", unauthenticated),
        ("403", forbidden),
    ]
    if takes_id:
        problems.append(("404", "not_found: no such object in this tenant."))
    problems += [
        ("413", "payload_too_large: the body is over the limit (2.5 MB)."),
        ("415", "unsupported_media_type: a body that is not application/json."),
        ("429", "rate_limited: too many requests for the tenant; see Retry-After."),
    ]
    return problems
