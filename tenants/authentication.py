"""DRF authentication backed by the tenancy middleware's resolution of the API key (``X-Api-Key`` or
``Authorization: Bearer``)."""

from rest_framework.authentication import BaseAuthentication


class TenantAPIKeyAuthentication(BaseAuthentication):
    """Expose the middleware's :class:`tenants.api_keys.ApiClient` as ``request.user`` and ``request.auth``.

    The key was already verified (401 otherwise) by ``tenants.middleware.TenancyMiddleware``.
    """

    def authenticate(self, request):
        client = getattr(request._request, "api_client", None)
        if client is None:
            return None
        return (client, client)

    def authenticate_header(self, request) -> str:
        # Not imported from tenants.api_keys: DRF loads this module while rest_framework.views is half-imported.
        return 'X-Api-Key, Bearer realm="secre"'
