"""Console screens of webhooks: endpoints (and why one is disabled), deliveries with a resend action."""

from django.contrib import admin, messages
from django.db import models

from tenants.console import TenantScopedAdmin, TenantScopedInline
from webhooks.delivery import redeliver
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantScopedAdmin):
    list_display = ("url", "enabled", "disabled_reason", "consecutive_failures", "event_types", "created_at")
    list_filter = ("enabled",)
    fields = ("url", "description", "event_types", "enabled", "disabled_reason", "consecutive_failures")
    readonly_fields = ("disabled_reason", "consecutive_failures")
    # A URL typed without a scheme is https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False  # registered through the API, where the secret is shown once


class AttemptInline(TenantScopedInline):
    model = DeliveryAttempt
    fields = ("attempted_at", "status_code", "duration_ms", "error", "next_attempt_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(TenantScopedAdmin):
    list_display = ("created_at", "event", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status",)
    list_select_related = ("event", "endpoint")
    readonly_fields = ("event", "endpoint", "status", "attempts", "next_attempt_at", "last_status_code", "last_error")
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Resend selected deliveries (same webhook-id)")
    def resend(self, request, queryset):
        for delivery in queryset:
            redeliver(delivery=delivery)
        messages.success(request, f"Queued {queryset.count()} delivery(ies) again.")
