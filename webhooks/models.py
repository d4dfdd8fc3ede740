"""Events (the transactional outbox), webhook endpoints, deliveries and their attempts."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from uuid_utils.compat import uuid7

from secre.encryption import EncryptedJSONField
from tenants.models import Tenant
from tenants.scoping import TenantScopedManager

EVENT_TYPES = (
    "patient.created",
    "patient.updated",
    "patient.deleted",
    "appointment.created",
    "appointment.updated",
    "appointment.cancelled",
    "appointment.state_changed",
    "appointment.reminder_due",
)


class Event(models.Model):
    """Something that happened, written in the same transaction as the change (outbox).

    ``data`` is the REST representation of the object (camelCase), encrypted at rest (it carries
    personal data); ``sequence`` counts events of the same object, so receivers can order them and
    drop stale ones (delivery order is not guaranteed).
    The event id is the ``webhook-id`` of every delivery of it.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40, choices=[(t, t) for t in EVENT_TYPES])
    object_type = models.CharField(max_length=20)
    object_id = models.UUIDField()
    sequence = models.PositiveIntegerField()
    data = EncryptedJSONField()
    occurred_at = models.DateTimeField()
    # The optional SQS transport's outbox columns (webhooks/sqs.py): when it was published, and a
    # publisher's lease while it publishes (outside any transaction; another takes it after the lease).
    sqs_published_at = models.DateTimeField(null=True, blank=True)
    sqs_locked_until = models.DateTimeField(null=True, blank=True)
    # Past its retention the payload is emptied (webhooks/retention.py); id, type, object and
    # sequence stay, since receivers and the per-object sequence rely on them.
    redacted_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("occurred_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="webhooks_event_tenant_id_id_uniq"),
            models.UniqueConstraint(
                fields=["tenant", "object_type", "object_id", "sequence"], name="webhooks_event_object_sequence_uniq"
            ),
        ]
        indexes = [
            models.Index(
                fields=["occurred_at"], condition=models.Q(redacted_at__isnull=True), name="webhooks_event_unredacted"
            ),
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(sqs_published_at__isnull=True),
                name="webhooks_event_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"


class WebhookEndpoint(models.Model):
    """Where a tenant wants events: its n8n webhook URL. The signing secret is stored encrypted
    (Fernet); during a rotation the previous secret also signs until ``previous_secret_expires_at``."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True, default="")
    event_types = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True, default="")
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("created_at", "id")
        constraints = [models.UniqueConstraint(fields=["tenant", "id"], name="webhooks_endpoint_tenant_id_id_uniq")]

    def __str__(self) -> str:
        return f"webhook endpoint {self.pk}"

    @property
    def uses_plain_http(self) -> bool:
        """Saved with ``http://`` before https became required: still delivered, flagged to fix."""
        return self.url.startswith("http://")

    def wants(self, event_type: str) -> bool:
        return self.enabled and (not self.event_types or event_type in self.event_types)


class Delivery(models.Model):
    """One event to one endpoint, retried with backoff until it succeeds or gives up."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    # db_constraint=False: the database's foreign keys are the same-tenant (tenant_id, <field>_id) ones
    # (tenants.rls.AddTenantForeignKey); Django's own on the field alone only repeated them (docs/scaling.md).
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_constraint=False,
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_constraint=False,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker's lease: another worker may take the delivery once it passes (a killed worker's work).
    # The worker renews it while the attempt runs; ``locked_by`` is the worker holding it.
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.UUIDField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("created_at", "id")
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["tenant", "id"], name="webhooks_delivery_tenant_id_id_uniq")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_delivery_due"),
            # The claim walks endpoints: each one's due deliveries, and how many are in flight.
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhooks_delivery_pending",
            ),
            models.Index(
                fields=["endpoint", "locked_until"],
                condition=models.Q(status="pending", locked_until__isnull=False),
                name="webhooks_delivery_leased",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}"


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery: when, the status code, how long, the error, what comes next."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    # db_constraint=False: the database's foreign key is the same-tenant (tenant_id, delivery_id) one
    # (tenants.rls.AddTenantForeignKey); Django's own on delivery_id alone only repeated it (docs/scaling.md).
    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        db_constraint=False,
    )
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=300, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("attempted_at", "id")
        constraints = [models.UniqueConstraint(fields=["tenant", "id"], name="webhooks_attempt_tenant_id_id_uniq")]

    def __str__(self) -> str:
        return f"attempt {self.pk}"
