"""The audit trail: one append-only, tenant-isolated entry per create, update or delete."""

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, models
from django.utils.encoding import smart_str
from uuid_utils.compat import uuid7

from secre import acting
from tenants.models import Tenant
from tenants.scoping import TenantScopedQuerySetMixin


def _tenant_of(instance) -> object | None:
    return instance.pk if isinstance(instance, Tenant) else getattr(instance, "tenant_id", None)


def _acting_fields() -> dict:
    who = acting.current()
    return {
        "origin": who.origin,
        "request_id": who.request_id,
        "api_key_id": who.api_key_id,
        "actor_id": who.actor_id,
        "remote_addr": who.remote_addr,
    }


class AuditEventManager(TenantScopedQuerySetMixin, LogEntryManager):
    """django-auditlog's manager, writing each entry in the tenant of the changed object and on the
    connection that changed it (so it commits or rolls back with the change), with who is acting
    (secre/acting.py: origin, request id, API key, staff member, address). Its reads carry the current
    tenant (tenants/scoping.py)."""

    def log_create(self, instance, force_log: bool = False, **kwargs):
        tenant_id = _tenant_of(instance)
        if tenant_id is None:
            return None  # not tenant data (platform keys): no tenant's trail
        kwargs.setdefault("tenant_id", tenant_id)
        for name, value in _acting_fields().items():
            kwargs.setdefault(name, value)
        manager = self.db_manager(instance._state.db or DEFAULT_DB_ALIAS)
        return super(AuditEventManager, manager).log_create(instance, force_log=force_log, **kwargs)

    def log_updates(self, pairs: list[tuple[models.Model, models.Model]], *, fields: list[str], using: str) -> int:
        """The entries of rows changed by one queryset ``update()`` (which sends no signals), in one
        INSERT on ``using``: ``pairs`` are each row as it was and as it is now, ``fields`` the fields
        the update wrote. Each entry is the one ``save(update_fields=fields)`` would have written —
        the same changes, masking and exclusions (auditlog's diff), object, tenant and who is acting.
        Unchanged rows get none. Returns how many entries were written."""
        acting_fields = _acting_fields()
        cid = get_cid()
        entries = []
        for before, after in pairs:
            changes = model_instance_diff(
                before, after, fields_to_check=fields, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
            )
            if not changes:
                continue
            pk = self._get_pk_value(after)
            get_additional_data = getattr(after, "get_additional_data", None)
            entries.append(
                self.model(
                    tenant_id=_tenant_of(after),
                    content_type=ContentType.objects.get_for_model(after),
                    object_pk=pk,
                    object_id=pk if isinstance(pk, int) else None,
                    object_repr=smart_str(after),
                    serialized_data=self._get_serialized_data_or_none(after),
                    additional_data=get_additional_data() if callable(get_additional_data) else None,
                    action=self.model.Action.UPDATE,
                    changes=changes,
                    cid=cid,
                    **acting_fields,
                )
            )
        self.db_manager(using).bulk_create(entries)
        return len(entries)


class AuditEvent(AbstractLogEntry):
    """Who changed what: django-auditlog's entry plus the tenant, the API key or staff member, the
    request id and the origin. Personal values are masked (audit/masking.py); ``object_repr`` is
    the object's ``__str__``, which for personal-data models shows only ids.

    Append-only: the runtime role may INSERT and SELECT, never UPDATE or DELETE; the actor foreign
    key is DO_NOTHING (staff are deactivated, not deleted), so no later write is ever needed.
    """

    class Origin(models.TextChoices):
        API = "api", "API"
        FHIR = "fhir", "FHIR API"
        CONSOLE = "console", "Console"
        COMMAND = "command", "Management command"
        WORKER = "worker", "Worker"
        MCP = "mcp", "MCP (AI agent tools)"
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
