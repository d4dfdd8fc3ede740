"""Reads of the audit trail (the current tenant's, under RLS)."""

from typing import Any

from django.db.models import QuerySet

from audit.models import AuditEvent
from audit.serializers import ACTIONS

ACTION_CODES = {name: code for code, name in ACTIONS.items()}


def audit_event_list(*, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Entries filtered by objectType (model name: patient, appointment, doctor, ...), objectId,
    apiKeyId, action, and a [start, end) time window; newest first."""
    queryset = AuditEvent.objects.select_related("content_type")
    if "objectType" in filters:
        queryset = queryset.filter(content_type__model=filters["objectType"].lower())
    if "objectId" in filters:
        queryset = queryset.filter(object_pk=filters["objectId"])
    if "apiKeyId" in filters:
        queryset = queryset.filter(api_key_id=filters["apiKeyId"])
    if "action" in filters:
        queryset = queryset.filter(action=ACTION_CODES[filters["action"]])
    if "start" in filters:
        queryset = queryset.filter(timestamp__gte=filters["start"])
    if "end" in filters:
        queryset = queryset.filter(timestamp__lt=filters["end"])
    return queryset
