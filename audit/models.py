"""The audit trail: one append-only, tenant-isolated entry per create, update or delete."""

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models
from uuid_utils.compat import uuid7

from secre import acting
from tenants.models import Tenant


class AuditEventManager(LogEntryManager):
    """django-auditlog's manager, writing each entry in the tenant of the changed object and on the
    connection that changed it (so it commits or rolls back with the change), with who is acting
    (secre/acting.py: origin, request id, API key, staff member, address)."""

    def log_create(self, instance, force_log: bool = False, **kwargs):
        tenant_id = instance.pk if isinstance(instance, Tenant) else getattr(instance, "tenant_id", None)
        if tenant_id is None:
            return None  # not tenant data (platform keys): no tenant's trail
        who = acting.current()
        kwargs.setdefault("tenant_id", tenant_id)
        kwargs.setdefault("origin", who.origin)
        kwargs.setdefault("request_id", who.request_id)
        kwargs.setdefault("api_key_id", who.api_key_id)
        kwargs.setdefault("actor_id", who.actor_id)
        kwargs.setdefault("remote_addr", who.remote_addr)
        manager = self.db_manager(instance._state.db or DEFAULT_DB_ALIAS)
        return super(AuditEventManager, manager).log_create(instance, force_log=force_log, **kwargs)


class AuditEvent(AbstractLogEntry):
    """Who changed what: django-auditlog's entry plus the tenant, the API key or staff member, the
    request id and the origin. Personal values are masked (audit/masking.py); ``object_repr`` is
    the object's ``__str__``, which for personal-data models shows only ids.

    Append-only: the runtime role may INSERT and SELECT, never UPDATE or DELETE; the actor foreign
    key is DO_NOTHING (staff are deactivated, not deleted), so no later write is ever needed.
    """

    class Origin(models.TextChoices):
        API = "api", "API"
        CONSOLE = "console", "Console"
        COMMAND = "command", "Management command"
        WORKER = "worker", "Worker"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+"
    )
    api_key_id = models.UUIDField(null=True, blank=True)
    request_id = models.CharField(max_length=128, null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SYSTEM)

    objects = AuditEventManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit event"
        ordering = ("-timestamp",)
        constraints = [models.UniqueConstraint(fields=["tenant", "id"], name="audit_auditevent_tenant_id_id_uniq")]
        indexes = [
            models.Index(fields=["tenant", "timestamp"], name="audit_tenant_timestamp"),
            models.Index(fields=["tenant", "content_type", "object_pk"], name="audit_tenant_object"),
        ]

    def __str__(self) -> str:
        return f"audit event {self.pk}"
