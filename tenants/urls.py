"""Routes of the tenancy app under /v1: /me, /auth/api-keys, and the platform API."""

from django.urls import re_path

from secre.routers import OptionalSlashRouter
from tenants import views

router = OptionalSlashRouter()
router.register("tenants", views.PlatformTenantViewSet, basename="tenant")

keys = views.ApiKeyViewSet.as_view
admin = views.PlatformAdminViewSet.as_view

urlpatterns = [
    re_path(r"^me/?$", views.MeView.as_view(), name="me"),
    re_path(r"^auth/api-keys/?$", keys({"get": "list", "post": "create"}), name="api-keys"),
    re_path(r"^auth/api-keys/(?P<pk>[^/]+)/rotate/?$", keys({"post": "rotate"}), name="api-key-rotate"),
    re_path(r"^auth/api-keys/(?P<pk>[^/]+)/revoke/?$", keys({"post": "revoke"}), name="api-key-revoke"),
    re_path(r"^admin/tenants/?$", admin({"post": "tenants"}), name="admin-tenants"),
    re_path(r"^admin/bootstrap/?$", admin({"post": "bootstrap"}), name="admin-bootstrap"),
    *router.urls,
]
