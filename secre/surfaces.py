"""API surfaces: the path prefixes that serve an API (``/v1``, ``/fhir/R4``), and how each one differs.

The request-body limits (secre/limits.py), the tenancy middleware (tenants/middleware.py) and the problem
renderer (secre/problems.py) ask :func:`surface_for` about a request's path instead of knowing prefixes
themselves. A higher app registers its surface in its ``AppConfig.ready()`` (fhir_api/apps.py), so the
lower layers serve it without importing it::

    surfaces.register(ApiSurface(prefix="/fhir/R4", public_paths=("/fhir/R4/metadata",), origin="fhir",
                                 media_types=("application/fhir+json", "application/json"),
                                 problem_renderer=operation_outcome_response))

Every surface gets the same keys, scopes, rate limits, request transaction and tenant context; what it
chooses is which of its paths need no key, which request bodies it reads, the ``origin`` its writes carry
in the audit trail and logs (secre/acting.py), and how an error is shown (RFC 9457 problem details unless a
``problem_renderer`` turns the problem body into its own format, e.g. a FHIR OperationOutcome).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

# (problem body as secre.problems.problem_body builds it, status code, extra headers) -> the response.
ProblemRenderer = Callable[[dict, int, dict[str, str] | None], HttpResponse]


def under(path: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``path`` is one of ``prefixes`` or below one of them (``/v1`` and ``/v1/x``, never ``/v1x``)."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


@dataclass(frozen=True)
class ApiSurface:
    """One API under ``prefix``. ``media_types``: the request bodies it reads (None: DRF's default parsers');
    ``public_paths``: paths under it that need no key; ``origin``: the acting origin of its requests;
    ``problem_renderer``: None for RFC 9457 ``application/problem+json``."""

    prefix: str
    origin: str = "api"
    public_paths: tuple[str, ...] = ()
    media_types: tuple[str, ...] | None = None
    problem_renderer: ProblemRenderer | None = None

    def needs_api_key(self, path: str) -> bool:
        return not under(path, self.public_paths)


V1 = ApiSurface(prefix="/v1", origin="api", public_paths=("/v1/schema",))
_SURFACES: dict[str, ApiSurface] = {V1.prefix: V1}


def register(surface: ApiSurface) -> None:
    """Add (or replace, for a reloaded app) the surface under ``surface.prefix``."""
    _SURFACES[surface.prefix] = surface


def surface_for(request_or_path: HttpRequest | str | None) -> ApiSurface | None:
    """The surface serving a request (or a path), or None (console, health, documentation, static files)."""
    if request_or_path is None:
        return None
    path = request_or_path if isinstance(request_or_path, str) else getattr(request_or_path, "path", "")
    for prefix, surface in _SURFACES.items():
        if under(path, (prefix,)):
            return surface
    return None
