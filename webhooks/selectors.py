"""Reads of webhook endpoints and deliveries (the current tenant's, under RLS)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from secre.problems import NotFound
from webhooks.models import Delivery, WebhookEndpoint


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    """The tenant's endpoints, oldest first."""
    return WebhookEndpoint.objects.order_by("created_at", "id")


def endpoint_get(*, endpoint_id: UUID) -> WebhookEndpoint:
    """NotFound (404) for a missing id and another tenant's alike."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("No webhook endpoint with this id.")
    return endpoint


def delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries with their event and every attempt (paged by the caller)."""
    return Delivery.objects.filter(endpoint=endpoint).select_related("event").prefetch_related("attempt_log")


def delivery_get(*, delivery_id: UUID) -> Delivery:
    """NotFound (404) for a missing id and another tenant's alike."""
    delivery = Delivery.objects.select_related("event").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound("No delivery with this id.")
    return delivery
