"""Wire shapes of tenants, API keys and the calling key (camelCase)."""

from django.core.exceptions import ValidationError
from rest_framework import serializers

from secre.fields import BoundedDateTimeField, StrictIntegerField
from tenants.models import (
    MAX_BOOKING_HORIZON_DAYS,
    MAX_HOLD_TTL_SECONDS,
    MAX_MINIMUM_NOTICE_MINUTES,
    MIN_HOLD_TTL_SECONDS,
    validate_timezone,
)
from tenants.scopes import ALL_SCOPES, DEFAULT_SCOPES


def _timezone(value: str) -> str:
    try:
        validate_timezone(value)
    except ValidationError:
        raise serializers.ValidationError("Not an IANA time zone name (e.g. America/Bogota).", code="invalid") from None
    return value


class TenantSerializer(serializers.Serializer):
    """A tenant (clinic): ``{"id", "name", "timezone", "isActive", "createdAt"}``."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200)
    timezone = serializers.CharField(max_length=64, required=False, validators=[_timezone])
    isActive = serializers.BooleanField(source="is_active", required=False)
    rateLimit = serializers.RegexField(
        r"^\d{1,6}/(s|m|h|d)$",
        source="rate_limit",
        required=False,
        allow_null=True,
        help_text="Requests per period for this clinic's keys, e.g. 1200/m; null: the default.",
    )
    reminderLeadMinutes = StrictIntegerField(
        source="reminder_lead_minutes",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=60 * 24 * 14,
        help_text="Minutes before an appointment when appointment.reminder_due is emitted; null: none.",
    )
    minimumNoticeMinutes = StrictIntegerField(
        source="minimum_notice_minutes",
        required=False,
        min_value=0,
        max_value=MAX_MINIMUM_NOTICE_MINUTES,
        help_text="Bookings start at least this many minutes from now (doctors may override).",
    )
    bookingHorizonDays = StrictIntegerField(
        source="booking_horizon_days",
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_BOOKING_HORIZON_DAYS,
        help_text="Bookings at most this many local days after today; null: no limit (doctors may override).",
    )
    holdMaxTtlSeconds = StrictIntegerField(
        source="hold_max_ttl_seconds",
        required=False,
        min_value=MIN_HOLD_TTL_SECONDS,
        max_value=MAX_HOLD_TTL_SECONDS,
        help_text="The longest a slot hold may last (holds default to 300 seconds).",
    )
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)


class ApiKeySerializer(serializers.Serializer):
    """A tenant API key as listed (never its secret)."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=50)
    prefix = serializers.CharField(read_only=True)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES), required=False, allow_empty=False, max_length=4
    )
    expiresAt = BoundedDateTimeField(source="expiry_date", required=False, allow_null=True)
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)
    lastUsedAt = BoundedDateTimeField(source="last_used_at", read_only=True, allow_null=True)
    revoked = serializers.BooleanField(read_only=True)
    revokedAt = BoundedDateTimeField(source="revoked_at", read_only=True, allow_null=True)

    def validate_scopes(self, value):
        return sorted(set(value or DEFAULT_SCOPES))


class NewApiKeySerializer(ApiKeySerializer):
    """A key just created or rotated: the only response that carries ``key`` (the plaintext)."""

    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")


class RotateSerializer(serializers.Serializer):
    """``{"gracePeriodMinutes": 60}``: minutes the old key keeps working (default 0: stops now)."""

    gracePeriodMinutes = StrictIntegerField(min_value=0, max_value=60 * 24 * 30, required=False, default=0)


class BootstrapSerializer(serializers.Serializer):
    """``POST /v1/admin/bootstrap``: a tenant and its first key in one call (seed 001)."""

    name = serializers.CharField(max_length=200)
    timezone = serializers.CharField(max_length=64, required=False, validators=[_timezone])
    apiKeyName = serializers.CharField(max_length=50, required=False, default="first key")
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_SCOPES), required=False, allow_empty=False, max_length=4
    )


class BootstrapResultSerializer(serializers.Serializer):
    tenant = TenantSerializer()
    apiKey = NewApiKeySerializer()


class MeSerializer(serializers.Serializer):
    """What the calling key is: n8n builders use it to test a credential."""

    tenantId = serializers.UUIDField()
    tenantName = serializers.CharField()
    timeZone = serializers.CharField()
    apiKeyId = serializers.UUIDField()
    keyName = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    minimumNoticeMinutes = StrictIntegerField(
        help_text="The clinic's minimum notice for bookings, minutes (doctors may differ)."
    )
    bookingHorizonDays = StrictIntegerField(allow_null=True, help_text="The clinic's booking horizon; null: none.")
    holdMaxTtlSeconds = StrictIntegerField(help_text="The longest slot hold the clinic allows.")
