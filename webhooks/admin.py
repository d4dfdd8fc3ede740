"""Console screens of webhooks: endpoints (and why one is disabled), deliveries with a resend action."""

from django import forms
from django.contrib import admin, messages

from secre.problems import Problem
from tenants.console import TenantScopedAdmin, TenantScopedInline
from webhooks.delivery import delivery_redeliver
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.services import endpoint_url_check


class WebhookEndpointForm(forms.ModelForm):
    """A changed URL meets the API's rules (https, public addresses, a valid port)."""

    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "enabled")

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url != self.instance.url:
            try:
                endpoint_url_check(url)
            except Problem as exc:
                raise forms.ValidationError(str(exc.detail), code="forbidden_url") from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantScopedAdmin):
    form = WebhookEndpointForm
    list_display = (
        "url",
        "insecure_url",
        "enabled",
        "disabled_reason",
        "consecutive_failures",
        "event_types",
        "created_at",
    )
    list_filter = ("enabled",)
    fields = ("url", "description", "event_types", "enabled", "disabled_reason", "consecutive_failures")
    readonly_fields = ("disabled_reason", "consecutive_failures")

    def has_add_permission(self, request):
        return False  # registered through the API, where the secret is shown once

    @admin.display(description="Plain http", boolean=True)
    def insecure_url(self, endpoint: WebhookEndpoint) -> bool:
        return endpoint.uses_plain_http


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
            delivery_redeliver(delivery=delivery)
        messages.success(request, f"Queued {queryset.count()} delivery(ies) again.")
