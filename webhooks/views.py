"""/v1/webhooks (scope admin): endpoints, their deliveries, redelivery."""

from datetime import timedelta

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from secre.dialects import validated_body, validated_query
from secre.openapi import COMMON_ERRORS, NOT_FOUND, VALIDATION, paged
from secre.pagination import StablePagination
from secre.path_params import uuid_param
from tenants.idempotency import mark_secret
from tenants.scopes import ADMIN
from webhooks import delivery, selectors, services
from webhooks.models import WebhookEndpoint
from webhooks.serializers import (
    DeliverySerializer,
    NewSecretSerializer,
    RotateSecretSerializer,
    WebhookEndpointSerializer,
)


def _endpoint(pk: str) -> WebhookEndpoint:
    return selectors.endpoint_get(endpoint_id=uuid_param(pk))


def _with_secret(endpoint, secret: str, code: int) -> Response:
    return mark_secret(Response({**WebhookEndpointSerializer(endpoint).data, "secret": secret}, status=code))


@extend_schema_view(
    list=extend_schema(
        summary="Webhook endpoints", responses={200: WebhookEndpointSerializer(many=True), **COMMON_ERRORS}
    ),
    create=extend_schema(
        summary="Register a webhook endpoint (its whsec_ secret is in this response only)",
        request=WebhookEndpointSerializer,
        examples=[
            OpenApiExample(
                "n8n",
                request_only=True,
                value={"url": "https://n8n.example.com/webhook/secre", "eventTypes": ["appointment.created"]},
            )
        ],
        responses={201: NewSecretSerializer, 400: VALIDATION, **COMMON_ERRORS},
    ),
    retrieve=extend_schema(summary="A webhook endpoint", responses={200: WebhookEndpointSerializer, 404: NOT_FOUND}),
    partial_update=extend_schema(
        summary="Change a webhook endpoint (enabled=true re-enables it)",
        request=WebhookEndpointSerializer,
        responses={200: WebhookEndpointSerializer, 400: VALIDATION, 404: NOT_FOUND},
    ),
    destroy=extend_schema(summary="Remove a webhook endpoint", responses={204: None, 404: NOT_FOUND}),
)
class WebhookEndpointViewSet(viewsets.ViewSet):
    """Where the tenant's events go (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature)."""

    required_scopes = {"*": ADMIN}
    lookup_value_regex = "[^/]+"

    def list(self, request):
        validated_query(request)
        return Response(WebhookEndpointSerializer(selectors.endpoint_list(), many=True).data)

    def create(self, request):
        data = validated_body(request, WebhookEndpointSerializer)
        endpoint, secret = services.endpoint_create(
            tenant=request.tenant,
            url=data["url"],
            description=data.get("description", ""),
            event_types=data.get("event_types"),
        )
        return _with_secret(endpoint, secret, status.HTTP_201_CREATED)

    def retrieve(self, request, pk: str):
        validated_query(request)
        return Response(WebhookEndpointSerializer(_endpoint(pk)).data)

    def partial_update(self, request, pk: str):
        endpoint = _endpoint(pk)
        data = validated_body(request, WebhookEndpointSerializer, partial=True)
        return Response(WebhookEndpointSerializer(services.endpoint_update(endpoint=endpoint, data=data)).data)

    def destroy(self, request, pk: str):
        services.endpoint_delete(endpoint=_endpoint(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate the signing secret; the old one also signs during the grace period",
        request=RotateSecretSerializer,
        responses={200: NewSecretSerializer, 400: VALIDATION, 404: NOT_FOUND},
    )
    def rotate_secret(self, request, pk: str):
        endpoint = _endpoint(pk)
        data = validated_body(request, RotateSecretSerializer)
        endpoint, secret = services.endpoint_rotate_secret(
            endpoint=endpoint, grace=timedelta(minutes=data["gracePeriodMinutes"])
        )
        return _with_secret(endpoint, secret, status.HTTP_200_OK)

    @extend_schema(
        summary="Deliveries to this endpoint, newest first, with every attempt",
        responses={200: paged(DeliverySerializer), 404: NOT_FOUND},
    )
    def deliveries(self, request, pk: str):
        validated_query(request, paged=True)
        endpoint = _endpoint(pk)
        queryset = selectors.delivery_list(endpoint=endpoint)
        paginator = StablePagination(ordering="-created_at")
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery again (same webhook-id)",
        request=None,
        responses={202: DeliverySerializer, 404: NOT_FOUND},
    )
    def redeliver(self, request, pk: str):
        found = selectors.delivery_get(delivery_id=uuid_param(pk))
        return Response(
            DeliverySerializer(delivery.delivery_redeliver(delivery=found)).data, status=status.HTTP_202_ACCEPTED
        )
