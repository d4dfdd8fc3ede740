"""Tenants (clinics), their staff users and their API keys."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager
from uuid_utils.compat import uuid7

from secre.encryption import EncryptedJSONField
from tenants.rate_limits import validate_rate
from tenants.scopes import ALL_SCOPES, default_scopes
from tenants.scoping import TenantScopedManager, TenantScopedQuerySetMixin
from tenants.sessions import ConsoleSession

# The bounds of the booking rules, wherever they are written (the clinic's and a doctor's overrides,
# the REST API and the MCP tools): a minimum notice of at most 60 days, a horizon of at most ten years,
# a hold of 10 seconds to a day.
MAX_MINIMUM_NOTICE_MINUTES = 60 * 24 * 60
MAX_BOOKING_HORIZON_DAYS = 3650
MIN_HOLD_TTL_SECONDS = 10
MAX_HOLD_TTL_SECONDS = 86400

__all__ = ["ConsoleSession", "IdempotentRequest", "PlatformAPIKey", "Tenant", "TenantAPIKey", "User"]


def validate_timezone(value: str) -> None:
    """Accept only IANA time zone names (``America/Bogota``)."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name.", code="invalid_timezone")


def default_timezone() -> str:
    return settings.DEFAULT_TENANT_TIMEZONE


class Tenant(models.Model):
    """A clinic: the unit of isolation. Its own row is visible only inside its own tenant context.

    ``timezone`` is the IANA zone in which the clinic's wall-clock times (naive datetimes,
    doctors' hours) are read.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    timezone = models.CharField(max_length=64, default=default_timezone, validators=[validate_timezone])
    # Requests allowed per period for this clinic's keys ("1200/m"); empty: RATE_LIMIT_TENANT.
    rate_limit = models.CharField(max_length=20, null=True, blank=True, validators=[validate_rate])
    # Minutes before an appointment when `appointment.reminder_due` is emitted; empty: no reminders.
    reminder_lead_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Booking rules (appointments/availability.py BookingWindow), overridable per doctor: bookings
    # start at least this many minutes from now, and at most this many local days ahead (empty: no limit).
    minimum_notice_minutes = models.PositiveIntegerField(default=0, db_default=0)
    booking_horizon_days = models.PositiveIntegerField(null=True, blank=True)
    # The longest a slot hold may last (POST /v1/appointments/holds ttlSeconds; default 300).
    hold_max_ttl_seconds = models.PositiveIntegerField(default=900, db_default=900)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The clinic's time zone, in which its wall-clock times are read."""
        return zoneinfo.ZoneInfo(self.timezone)


class User(AbstractUser):
    """A person who signs in to the operator console.

    Clinic staff belong to exactly one tenant; platform operators (``tenant`` is null) to none.
    The table is under row-level security like every tenant table: the runtime role sees and writes
    a staff row only inside its tenant's context, and never a superuser or an operator (a restrictive
    policy, tenants/rls.py). Sign-in and session loading read rows through ``sign_in_access()``
    (tenants/auth.py); operators are created and changed only through ``operator_access()``.
    Usernames are unique across tenants.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # Lets tenant rows reference a staff user with a same-tenant composite key.
            models.UniqueConstraint(fields=["tenant", "id"], name="tenants_user_tenant_id_id_uniq"),
            models.CheckConstraint(
                condition=models.Q(is_superuser=False) | models.Q(tenant__isnull=True),
                name="tenants_user_superuser_no_tenant",
                violation_error_message="A superuser is a platform operator and belongs to no clinic.",
            ),
        ]

    @property
    def is_operator(self) -> bool:
        """A platform operator: active staff belonging to no tenant."""
        return self.is_active and self.is_staff and self.tenant_id is None

    def __str__(self) -> str:
        return f"user {self.pk}"


class TenantAPIKeyManager(BaseAPIKeyManager):
    """The package's manager, keeping our UUIDv7 primary key instead of ``prefix.hash``."""

    def assign_key(self, obj) -> str:
        key, prefix, hashed_key = self.key_generator.generate()
        obj.prefix = prefix
        obj.hashed_key = hashed_key
        return key


class TenantKeyManager(TenantScopedQuerySetMixin, TenantAPIKeyManager):
    """A tenant's keys: the package's manager, scoped to the current tenant (tenants/scoping.py)."""


class TenantAPIKey(AbstractAPIKey):
    """A tenant's API key (djangorestframework-api-key: SHA-512 at rest, prefix lookup).

    The plaintext ``<prefix>.<secret>`` exists only in the response that creates the key.
    ``last_used_at`` is written at most once a minute per key. Revoking is final.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created = None  # replaced by created_at (the project's naming)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    scopes = ArrayField(
        models.CharField(max_length=20, choices=[(scope, scope) for scope in ALL_SCOPES]), default=default_scopes
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantKeyManager()

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="tenants_apikey_tenant_id_id_uniq"),
            models.CheckConstraint(
                condition=models.Q(scopes__contained_by=list(ALL_SCOPES)), name="tenants_apikey_known_scopes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class PlatformAPIKey(AbstractAPIKey):
    """A platform operator's key: onboards tenants (``/v1/tenants``, ``/v1/admin/...``) and reads no
    tenant data. Its own table, without a tenant; reachable only by the key resolver and, for
    writes, through the operator bypass. There is no master key in settings or code."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created = None
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantAPIKeyManager()

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = "platform API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class IdempotentRequest(models.Model):
    """A POST answered under an ``Idempotency-Key`` (tenants/idempotency.py): replayed for 24 hours
    to the same API key only (the key that made the request; null only on rows from before keys
    were recorded, which are never replayed and simply expire).

    ``response_body`` (encrypted at rest: it carries personal data) is null when the response carried a
    secret (never stored). Expired rows are removed by ``manage.py purge`` and the worker.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    api_key_id = models.UUIDField(null=True)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = EncryptedJSONField(null=True)
    replayable = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="tenants_idempotent_tenant_id_id_uniq"),
            models.UniqueConstraint(fields=["tenant", "api_key_id", "key"], name="tenants_idempotent_client_key_uniq"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="tenants_idempotent_expiry")]

    def __str__(self) -> str:
        return f"idempotent request {self.pk}"
