"""Wire shapes of webhook endpoints and deliveries."""

from rest_framework import serializers

from secre.fields import BoundedDateTimeField, StrictIntegerField
from webhooks.models import EVENT_TYPES


class WebhookEndpointSerializer(serializers.Serializer):
    """An endpoint (its secret only in the responses that create or rotate it)."""

    id = serializers.UUIDField(read_only=True)
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    eventTypes = serializers.ListField(
        source="event_types",
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        required=False,
        help_text="Empty: every event type.",
    )
    enabled = serializers.BooleanField(required=False)
    disabledReason = serializers.CharField(source="disabled_reason", read_only=True)
    consecutiveFailures = StrictIntegerField(source="consecutive_failures", read_only=True)
    insecureUrl = serializers.BooleanField(
        source="uses_plain_http",
        read_only=True,
        help_text="true: the URL is plain http:// (saved before https became required); change it to https://.",
    )
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)


class NewSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="whsec_...; shown once.")


class RotateSecretSerializer(serializers.Serializer):
    """``{"gracePeriodMinutes": 1440}``: how long the old secret keeps signing as well."""

    gracePeriodMinutes = StrictIntegerField(min_value=0, max_value=60 * 24 * 30, required=False, default=1440)


class DeliveryAttemptSerializer(serializers.Serializer):
    attemptedAt = BoundedDateTimeField(source="attempted_at")
    statusCode = StrictIntegerField(source="status_code", allow_null=True)
    durationMs = StrictIntegerField(source="duration_ms")
    error = serializers.CharField()
    nextAttemptAt = BoundedDateTimeField(source="next_attempt_at", allow_null=True)


class DeliverySerializer(serializers.Serializer):
    """A delivery of one event to this endpoint, with every attempt."""

    id = serializers.UUIDField()
    eventId = serializers.UUIDField(source="event_id", help_text="The webhook-id header.")
    eventType = serializers.CharField(source="event.type")
    status = serializers.CharField()
    attempts = StrictIntegerField()
    nextAttemptAt = BoundedDateTimeField(source="next_attempt_at", allow_null=True)
    lastStatusCode = StrictIntegerField(source="last_status_code", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    createdAt = BoundedDateTimeField(source="created_at")
    attemptLog = DeliveryAttemptSerializer(source="attempt_log.all", many=True)
