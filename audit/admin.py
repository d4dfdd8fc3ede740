"""The audit trail in the console: read-only, for Owners (their clinic) and operators (all)."""

from django.contrib import admin

from audit.models import AuditEvent
from tenants.console import TenantScopedAdmin

# django-auditlog registers its own screen for the entry model; Secre's replaces it.
if admin.site.is_registered(AuditEvent):
    admin.site.unregister(AuditEvent)


@admin.register(AuditEvent)
class AuditEventAdmin(TenantScopedAdmin):
    list_display = ("timestamp", "action", "content_type", "object_pk", "origin", "api_key_id", "actor", "request_id")
    list_filter = ("action", "origin", "content_type")
    search_fields = ("object_pk", "request_id", "api_key_id")
    date_hierarchy = "timestamp"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
