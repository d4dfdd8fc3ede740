"""Console screens of webhooks: endpoints (and why one is disabled), deliveries with a resend action."""

from django import forms
from django.contrib import admin

from secre.problems import Problem
from tenants.console import TenantScopedAdmin, TenantScopedInline, changed_data, on_default
from webhooks import services
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

    def save_model(self, request, obj, form, change):
        with self.in_row_tenant(request, obj.tenant_id):
            endpoint = self.service(on_default, instance=obj)
            self.service(services.endpoint_update, endpoint=endpoint, data=changed_data(form))

    def delete_model(self, request, obj):
        with self.in_row_tenant(request, obj.tenant_id):
            self.service(services.endpoint_delete, endpoint=self.service(on_default, instance=obj))

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

    def has_change_permission(self, request, obj=None):
        return False  # a record of what was sent; resending is the action

    def has_delete_permission(self, request, obj=None):
        return False  # removed by the retention purge only

    @admin.action(description="Resend selected deliveries (same webhook-id)")
    def resend(self, request, queryset):
        done, refused = self.each_refused(
            request, queryset, lambda delivery: self.service(delivery_redeliver, delivery=on_default(delivery))
        )
        self.report(request, done=done, done_message="Queued {count} delivery(ies) again.", refused=refused)
