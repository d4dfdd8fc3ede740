"""Tenancy endpoints: the calling key (/v1/me), the tenant's API keys, the platform API."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from secre.dialects import validated_body, validated_query
from secre.openapi import NOT_FOUND, UNAUTHENTICATED, VALIDATION, problem
from secre.path_params import uuid_param
from tenants import api_keys, selectors, services
from tenants.idempotency import mark_secret
from tenants.permissions import HasPlatformKey
from tenants.scopes import ADMIN
from tenants.serializers import (
    ApiKeySerializer,
    BootstrapResultSerializer,
    BootstrapSerializer,
    MeSerializer,
    NewApiKeySerializer,
    RotateSerializer,
    TenantSerializer,
)

FORBIDDEN_SCOPE = problem("permission_denied (missingScope), or tenant_key_required for a platform key.")
PLATFORM_ONLY = problem("platform_key_required: a tenant key on a platform route.")
PLATFORM_ERRORS = {401: UNAUTHENTICATED, 403: PLATFORM_ONLY}
TENANT_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN_SCOPE}


def _new_key_payload(api_key, plaintext: str) -> dict:
    return {**ApiKeySerializer(api_key).data, "key": plaintext}


class MeView(APIView):
    """``GET /v1/me``: what the calling key is (any tenant key)."""

    required_scopes = {"*": None}

    @extend_schema(
        summary="The calling key: tenant, name, scopes, time zone",
        responses={200: MeSerializer, **TENANT_ERRORS},
        examples=[
            OpenApiExample(
                "me",
                response_only=True,
                value={
                    "tenantId": "019a0000-0000-7000-8000-00000000de30",
                    "tenantName": "Clínica Demo",
                    "timeZone": "America/Bogota",
                    "apiKeyId": "019a0000-0000-7000-8000-0000000000a1",
                    "keyName": "n8n",
                    "scopes": ["read", "write"],
                },
            )
        ],
    )
    def get(self, request):
        validated_query(request)
        client = request.user
        return Response(
            MeSerializer(
                {
                    "tenantId": client.tenant.id,
                    "tenantName": client.tenant.name,
                    "timeZone": client.tenant.timezone,
                    "apiKeyId": client.api_key_id,
                    "keyName": client.key_name,
                    "scopes": sorted(client.scopes),
                    "minimumNoticeMinutes": client.tenant.minimum_notice_minutes,
                    "bookingHorizonDays": client.tenant.booking_horizon_days,
                    "holdMaxTtlSeconds": client.tenant.hold_max_ttl_seconds,
                }
            ).data
        )


@extend_schema_view(
    list=extend_schema(
        summary="The tenant's API keys (never their secrets)",
        responses={200: ApiKeySerializer(many=True), **TENANT_ERRORS},
    ),
    create=extend_schema(
        summary="Create an API key (its secret is in this response only)",
        request=ApiKeySerializer,
        examples=[OpenApiExample("read-only", request_only=True, value={"name": "reportes", "scopes": ["read"]})],
        responses={201: NewApiKeySerializer, 400: VALIDATION, **TENANT_ERRORS},
    ),
)
class ApiKeyViewSet(viewsets.ViewSet):
    """``/v1/auth/api-keys``: the tenant manages its own keys (scope ``admin``)."""

    required_scopes = {"*": ADMIN}
    lookup_value_regex = "[^/]+"

    def list(self, request):
        validated_query(request)
        return Response(ApiKeySerializer(selectors.api_key_list(), many=True).data)

    def create(self, request):
        data = validated_body(request, ApiKeySerializer)
        api_key, plaintext = api_keys.api_key_create(
            tenant=request.tenant, name=data["name"], expires_at=data.get("expiry_date"), scopes=data.get("scopes")
        )
        return mark_secret(Response(_new_key_payload(api_key, plaintext), status=status.HTTP_201_CREATED))

    @extend_schema(
        summary="Rotate: a successor key (same name and scopes); the old one expires after the grace period",
        request=RotateSerializer,
        responses={
            201: NewApiKeySerializer,
            400: VALIDATION,
            404: NOT_FOUND,
            409: problem("api_key_revoked"),
            **TENANT_ERRORS,
        },
    )
    def rotate(self, request, pk: str):
        api_key = selectors.api_key_get(api_key_id=uuid_param(pk))
        data = validated_body(request, RotateSerializer)
        successor, plaintext = api_keys.api_key_rotate(
            api_key=api_key, grace=timedelta(minutes=data["gracePeriodMinutes"])
        )
        return mark_secret(Response(_new_key_payload(successor, plaintext), status=status.HTTP_201_CREATED))

    @extend_schema(
        summary="Revoke a key at once (final)",
        request=None,
        responses={200: ApiKeySerializer, 404: NOT_FOUND, **TENANT_ERRORS},
    )
    def revoke(self, request, pk: str):
        api_key = api_keys.api_key_revoke(api_key=selectors.api_key_get(api_key_id=uuid_param(pk)))
        return Response(ApiKeySerializer(api_key).data)


def _create_tenant(data: dict):
    try:
        return services.tenant_create(name=data["name"], timezone=data.get("timezone"))
    except DjangoValidationError as exc:
        raise ValidationError({"timezone": exc.messages}, code="invalid") from None


TENANT_EXAMPLE = OpenApiExample(
    "clinic", request_only=True, value={"name": "Clínica Norte", "timezone": "America/Bogota"}
)


@extend_schema_view(
    list=extend_schema(
        summary="All tenants (platform key)", responses={200: TenantSerializer(many=True), **PLATFORM_ERRORS}
    ),
    create=extend_schema(
        summary="Create a tenant (platform key)",
        request=TenantSerializer,
        examples=[TENANT_EXAMPLE],
        responses={201: TenantSerializer, 400: VALIDATION, **PLATFORM_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get a tenant (platform key)", responses={200: TenantSerializer, 404: NOT_FOUND, **PLATFORM_ERRORS}
    ),
    partial_update=extend_schema(
        summary="Change a tenant; isActive=false stops its keys at once (platform key)",
        request=TenantSerializer,
        examples=[OpenApiExample("deactivate", request_only=True, value={"isActive": False})],
        responses={200: TenantSerializer, 400: VALIDATION, 404: NOT_FOUND, **PLATFORM_ERRORS},
    ),
)
class PlatformTenantViewSet(viewsets.ViewSet):
    """``/v1/tenants``: onboarding clinics. Platform keys only; no tenant data."""

    permission_classes = [HasPlatformKey]
    lookup_value_regex = "[^/]+"

    def list(self, request):
        validated_query(request)
        return Response(TenantSerializer(selectors.tenant_list_all(), many=True).data)

    def create(self, request):
        tenant = _create_tenant(validated_body(request, TenantSerializer))
        return Response(TenantSerializer(tenant).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk: str):
        validated_query(request)
        return Response(TenantSerializer(selectors.tenant_get(tenant_id=uuid_param(pk))).data)

    def partial_update(self, request, pk: str):
        tenant_id = uuid_param(pk)
        data = validated_body(request, TenantSerializer, partial=True)
        return Response(TenantSerializer(services.tenant_update(tenant_id=tenant_id, data=data)).data)


class PlatformAdminViewSet(viewsets.ViewSet):
    """Seed 001's ``/v1/admin/...``: ``tenants`` (same as POST /v1/tenants) and ``bootstrap``."""

    permission_classes = [HasPlatformKey]

    @extend_schema(
        summary="Create a tenant (seed 001 name for POST /v1/tenants)",
        request=TenantSerializer,
        examples=[TENANT_EXAMPLE],
        responses={201: TenantSerializer, 400: VALIDATION, **PLATFORM_ERRORS},
    )
    def tenants(self, request):
        tenant = _create_tenant(validated_body(request, TenantSerializer))
        return Response(TenantSerializer(tenant).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A tenant and its first API key in one call (seed 001)",
        request=BootstrapSerializer,
        examples=[
            OpenApiExample(
                "bootstrap",
                request_only=True,
                value={"name": "Clínica Norte", "timezone": "America/Bogota", "apiKeyName": "n8n"},
            )
        ],
        responses={201: BootstrapResultSerializer, 400: VALIDATION, **PLATFORM_ERRORS},
    )
    def bootstrap(self, request):
        data = validated_body(request, BootstrapSerializer)
        try:
            tenant, api_key, plaintext = services.tenant_bootstrap(
                name=data["name"], timezone=data.get("timezone"), key_name=data["apiKeyName"], scopes=data.get("scopes")
            )
        except DjangoValidationError as exc:
            raise ValidationError({"timezone": exc.messages}, code="invalid") from None
        return Response(
            {"tenant": TenantSerializer(tenant).data, "apiKey": _new_key_payload(api_key, plaintext)},
            status=status.HTTP_201_CREATED,
        )
