"""Root URL configuration: /v1 API, the FHIR R4 facade, /mcp (MCP tools for AI agents), OpenAPI docs, health,
operator console."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from secre.health import health, readiness

handler400 = "secre.problems.handler400"
handler403 = "secre.problems.handler403"
handler404 = "secre.problems.handler404"
handler500 = "secre.problems.handler500"

urlpatterns = [
    path("health", health, name="health"),
    path("health/", health),
    path("health/ready", readiness, name="readiness"),
    path("v1/", include("patients.urls")),
    path("v1/", include("appointments.urls")),
    path("v1/", include("tenants.urls")),
    path("v1/", include("audit.urls")),
    path("v1/", include("webhooks.urls")),
    path("fhir/R4", include("fhir_api.urls")),
    path("", include("agents.urls")),
    path("v1/schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
]
