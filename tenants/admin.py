"""Operator console screens for tenants, staff users and API keys."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from rest_framework_api_key.admin import APIKey

from tenants.models import Tenant, TenantAPIKey, User

# The package's stock key model has no tenant; Secre never uses it.
admin.site.unregister(APIKey)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "timezone", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    readonly_fields = ("id", "created_at")


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Clinic", {"fields": ("tenant",)}),)
    list_display = ("username", "tenant", "is_staff", "is_active")


@admin.register(TenantAPIKey)
class TenantAPIKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "tenant", "created_at", "last_used_at", "revoked", "expiry_date")
    list_filter = ("revoked",)
    readonly_fields = ("id", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("hashed_key",)

    def has_add_permission(self, request) -> bool:
        # Keys are created through the API or `manage.py create_api_key`, where the plaintext is shown once.
        return False
